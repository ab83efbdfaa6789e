# Export the NAFLD cohort (Allen et al., Hepatology 2018) from R's survival package to gzipped CSV.
# Run from the repository root:  Rscript data/nafld/export_nafld.R
# Needs the survival package (Debian: r-cran-survival); writes data/nafld/nafld{1,2,3}.csv.gz.
library(survival)
out <- if (dir.exists("data/nafld")) "data/nafld" else "."
write_gz <- function(df, name) {
  df <- if ("days" %in% names(df)) df[order(df$id, df$days), ] else df[order(df$id), ]
  con <- gzfile(file.path(out, name), open = "wb", compression = 9)
  write.csv(df, con, row.names = FALSE, na = "")
  close(con)
  cat(name, nrow(df), "rows", ncol(df), "columns\n")
}
write_gz(nafld1, "nafld1.csv.gz")
write_gz(nafld2, "nafld2.csv.gz")
write_gz(nafld3, "nafld3.csv.gz")
cat("survival", as.character(packageVersion("survival")), "\n")
