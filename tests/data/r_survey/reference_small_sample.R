# Reference values for the small-sample (bias-reduced) linearisation of `survey.glm(...,
# small_sample=True)` (tests/test_survey_models.py): R's clubSandwich CR2 (Bell and McCaffrey
# 2002; Pustejovsky and Tipton 2018) with every row its own cluster and the working model of
# independent errors with equal variance (weights are sampling weights, not inverse variances).
# Run in this folder: Rscript reference_small_sample.R   (R 4.2.2, survey 4.1-1, clubSandwich 0.5.8;
# Debian: r-cran-survey r-cran-clubsandwich). Writes reference_small_sample.csv.
suppressMessages({library(survey); library(clubSandwich)})
data(api)
m <- lm(api00 ~ ell + meals + mobility, data = apistrat, weights = pw)
v <- vcovCR(m, cluster = seq_len(nrow(apistrat)), type = "CR2", inverse_var = FALSE)
stopifnot(all(unlist(attr(v, "target")) == 1))
se <- sqrt(diag(as.matrix(v)))
out <- data.frame(case = "lm apistrat weights=pw CR2", term = names(se), value = formatC(se, digits = 17, format = "g"))
write.table(out, "reference_small_sample.csv", sep = ";", row.names = FALSE, quote = FALSE)
print(out)
