# Domain means of the maturity index by size class in the bundled simulated example, on the
# project's weighting design (strata = unit groups with fpc, bounded logit calibration to the
# register's Land and size-class counts), for tests/test_survey_models.py and the explore notebook.
# example_domain.csv: the weighted rows with their start weights and 0/1 margin indicators x1..xk,
# written from the processed example (simulated data); example_domain_totals.csv: the register counts.
# Run in this folder: Rscript reference_domain.R   (R 4.2.2, survey 4.1-1)
suppressMessages(library(survey))
d <- read.csv("example_domain.csv")
totals <- read.csv("example_domain_totals.csv")
pop <- setNames(totals$total, totals$term)
des <- svydesign(ids = ~1, strata = ~group, fpc = ~N_group, weights = ~start_weight, data = d)
cal <- calibrate(des, as.formula(paste("~", paste(totals$term, collapse = "+"), "- 1")), pop,
                 calfun = "logit", bounds = c(0.02, 8), maxit = 200, epsilon = 1e-10)
out <- list()
put <- function(quantity, x) out[[length(out) + 1]] <<- data.frame(quantity = quantity, term = names(x),
                                                                  value = formatC(as.numeric(x), digits = 17, format = "g"))
put("weights", setNames(weights(cal), seq_along(weights(cal))))
b <- svyby(~maturity_index, ~size_class, cal, svymean, na.rm = TRUE)
put("estimate", setNames(coef(b), rownames(b)))
put("se", setNames(SE(b), rownames(b)))
big <- subset(cal, size_class == "500.000 und mehr")
ci <- svyciprop(~I(maturity_index / 100), big, method = "logit", na.rm = TRUE)
put("ciprop 500.000 und mehr", setNames(c(as.numeric(ci), attr(ci, "ci")), c("estimate", "low", "high")))
put("degf 500.000 und mehr", c(degf = degf(big)))
write.table(do.call(rbind, out), "reference_domain.csv", sep = ";", row.names = FALSE, quote = FALSE)
