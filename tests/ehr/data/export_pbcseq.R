# A second real timeline data set, from a different source than NAFLD, for the tests:
# Mayo Clinic PBC sequential data (pbcseq, R survival 3.5.3; Murtaugh et al., Hepatology 1994),
# 312 patients, 1,945 visits. Reshaped to the timeline layout (static / measurements / events).
# Run from the repository root: Rscript tests/ehr/data/export_pbcseq.R
library(survival)
d <- pbcseq
out <- "tests/ehr/data"
first <- d[!duplicated(d$id), ]
static <- data.frame(id = first$id, futime = first$futime, status = as.integer(first$status == 2),
                     age = round(first$age, 1), male = as.integer(first$sex == "m"), trt = first$trt)
tests <- c("bili", "albumin", "alk.phos", "ast", "platelet", "protime", "chol")
meas <- do.call(rbind, lapply(tests, function(t) {
  x <- data.frame(id = d$id, day = d$day, test = t, value = d[[t]]); x[!is.na(x$value), ] }))
meas <- meas[order(meas$id, meas$day), ]
flags <- c("ascites", "hepato", "spiders")
ev <- do.call(rbind, lapply(flags, function(f) {
  x <- d[!is.na(d[[f]]) & d[[f]] == 1, c("id", "day")]; x <- x[!duplicated(x$id), ]
  data.frame(id = x$id, day = x$day, event = f) }))
ev <- ev[order(ev$id, ev$day), ]
for (nm in c("static", "measurements", "events")) {
  df <- switch(nm, static = static, measurements = meas, events = ev)
  con <- gzfile(file.path(out, paste0("pbcseq_", nm, ".csv.gz")), "wb", compression = 9)
  write.csv(df, con, row.names = FALSE); close(con)
  cat(nm, nrow(df), "\n")
}
