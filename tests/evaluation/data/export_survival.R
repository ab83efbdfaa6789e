# Exports two real clinical tables from R's `survival` package (run once; the CSVs are committed,
# tests never call R):  Rscript tests/evaluation/data/export_survival.R
library(survival)
here <- "tests/evaluation/data"
write.csv(pbc, gzfile(file.path(here, "raw_pbc.csv.gz")), row.names = FALSE)
deaths <- colon[colon$etype == 2, ]           # one row per patient: the death / censoring record
recur <- colon[colon$etype == 1, c("id", "time", "status")]
names(recur) <- c("id", "rectime", "recstatus")
write.csv(merge(deaths, recur, by = "id"), gzfile(file.path(here, "raw_colon.csv.gz")), row.names = FALSE)
