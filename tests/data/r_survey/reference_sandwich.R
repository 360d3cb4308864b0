# Reference values for the robust standard errors of the unweighted verdict fits
# (`analysis.hypotheses`, tests/test_hypotheses.py): logit and proportional-odds model on R's
# apistrat data, HC0 sandwich (sandwich::sandwich, Zeileis 2006), unweighted.
# Run in this folder: Rscript reference_sandwich.R   (R 4.2.2, sandwich, MASS, survey 4.1-1;
# Debian: r-cran-sandwich r-cran-mass r-cran-survey). Writes reference_sandwich.csv.
suppressMessages({library(survey); library(sandwich); library(MASS)})
data(api)
apistrat$yes <- as.integer(apistrat$sch.wide == "Yes")
apistrat$band <- cut(apistrat$api00, c(0, 600, 700, 800, 1000), labels = c("a", "b", "c", "d"))
logit <- glm(yes ~ ell + meals + mobility, family = binomial, data = apistrat)
olr <- polr(band ~ ell + meals + mobility, data = apistrat, Hess = TRUE)
rows <- function(case, fit) {
  se <- sqrt(diag(sandwich(fit)))
  data.frame(case = case, term = names(se), estimate = formatC(c(coef(fit), fit$zeta)[names(se)], digits = 17, format = "g"),
             se = formatC(se, digits = 17, format = "g"))
}
out <- rbind(rows("logit apistrat HC0", logit), rows("polr apistrat HC0", olr))
write.table(out, "reference_sandwich.csv", sep = ";", row.names = FALSE, quote = FALSE)
print(out)
