# Reference values for tests/trials/test_survival_reference.py, from R's survival package.
# Run:  Rscript tests/trials/reference/survival_r.R ROSSI.csv > tests/trials/reference/survival_r.json
# (ROSSI.csv = lifelines.datasets.load_rossi() plus week_jit = week + row/1000, i.e. the same data
#  without tied times; written with to_csv(index=False)); tests never call R.
library(survival)
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
f_br <- coxph(Surv(week, arrest) ~ fin + age + prio, data = d, ties = "breslow")
f_ef_rob <- coxph(Surv(week, arrest) ~ fin + age + prio, data = d, ties = "efron", robust = TRUE)
f_rob_noties <- coxph(Surv(week_jit, arrest) ~ fin + age + prio, data = d, robust = TRUE)
f_str <- coxph(Surv(week, arrest) ~ fin + age + strata(wexp), data = d, ties = "efron")
lr <- survdiff(Surv(week, arrest) ~ fin, data = d)
lr_s <- survdiff(Surv(week, arrest) ~ fin + strata(wexp), data = d)
num <- function(x) paste0("[", paste(sprintf("%.12g", x), collapse = ", "), "]")
cat("{\n")
cat(sprintf('  "survival_version": "%s",\n', as.character(packageVersion("survival"))))
cat(sprintf('  "breslow_coef": %s,\n  "breslow_se": %s,\n', num(coef(f_br)), num(sqrt(diag(vcov(f_br))))))
cat(sprintf('  "efron_robust_coef": %s,\n  "efron_robust_se": %s,\n', num(coef(f_ef_rob)), num(sqrt(diag(vcov(f_ef_rob))))))
cat(sprintf('  "noties_robust_coef": %s,\n  "noties_robust_se": %s,\n', num(coef(f_rob_noties)), num(sqrt(diag(vcov(f_rob_noties))))))
cat(sprintf('  "strata_coef": %s,\n  "strata_se": %s,\n', num(coef(f_str)), num(sqrt(diag(vcov(f_str))))))
cat(sprintf('  "logrank_chisq": %.12g,\n  "logrank_stratified_chisq": %.12g\n', lr$chisq, lr_s$chisq))
cat("}\n")
