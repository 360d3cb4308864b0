# Reference values for design-based regression, design effects, domains, replicate weights,
# calibration to numeric totals, lonely PSUs, raking without convergence and logit intervals
# (tests/test_survey_models.py). Run in this folder: Rscript reference_models.R
# Writes reference_models.csv (case;quantity;term;value, 17 significant digits), fpc.csv,
# apipop_totals.csv and bootstrap_weights.csv (R's random bootstrap replicate weights).
# Checked with R 4.2.2, survey 4.1-1, MASS 7.3 (Debian bookworm: r-cran-survey, r-cran-mass).
suppressMessages(library(survey))
data(api)
data(fpc)
out <- list()
put <- function(case, quantity, x) {
  if (length(unlist(x)) == 0) return(invisible())
  x <- unlist(x)
  terms <- if (is.null(names(x))) rep("", length(x)) else names(x)
  out[[length(out) + 1]] <<- data.frame(case = case, quantity = quantity, term = terms,
                                        value = formatC(as.numeric(x), digits = 17, format = "g"))
}
stat <- function(case, x) {
  put(case, "estimate", coef(x))
  put(case, "se", SE(x))
  if (!is.null(attr(x, "deff"))) put(case, "deff", diag(as.matrix(attr(x, "deff"))))
}
model <- function(case, m) {
  put(case, "estimate", coef(m))
  put(case, "se", sqrt(diag(vcov(m))))
  put(case, "df", m$df.residual)
}

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dclus2w <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1r <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
put("degf", "dstrat", degf(dstrat)); put("degf", "dclus1", degf(dclus1)); put("degf", "dclus2", degf(dclus2))

# --- svyglm (?svyglm) and the same models on a cluster and a calibrated design -------------
model("glm dstrat api00", svyglm(api00 ~ ell + meals + mobility, design = dstrat))
model("glm dclus2w api00", svyglm(api00 ~ ell + meals + mobility, design = dclus2w))
model("glm dclus1 api00", svyglm(api00 ~ ell + meals + mobility, design = dclus1))
model("glm dclus1r api00", svyglm(api00 ~ ell + meals + mobility, design = dclus1r))
m <- svyglm(sch.wide ~ ell + meals + mobility, design = dstrat, family = quasibinomial())
model("glm dstrat sch.wide", m)
put("glm dstrat sch.wide", "ci_low", confint(m)[, 1]); put("glm dstrat sch.wide", "ci_high", confint(m)[, 2])
put("glm dstrat sch.wide", "p", summary(m)$coefficients[, 4])
m <- svyglm(sch.wide ~ ell + meals + mobility, design = dclus1, family = quasibinomial())
model("glm dclus1 sch.wide", m)
put("glm dclus1 sch.wide", "ci_low", confint(m)[, 1]); put("glm dclus1 sch.wide", "ci_high", confint(m)[, 2])
put("glm dclus1 sch.wide", "p", summary(m)$coefficients[, 4])
model("glm dclus1r sch.wide", svyglm(sch.wide ~ ell + meals + mobility, design = dclus1r, family = quasibinomial()))
model("glm dclus2 sch.wide", suppressWarnings(svyglm(sch.wide ~ ell + meals + mobility, design = dclus2, family = binomial())))
rstrat <- as.svrepdesign(dstrat)
rclus2 <- as.svrepdesign(dclus2w)
model("glm rstrat api00", svyglm(api00 ~ ell + meals + mobility, design = rstrat))
model("glm rclus2 api00", svyglm(api00 ~ ell + meals + mobility, design = rclus2))

# --- svyolr (?svyolr), also after raking --------------------------------------------------
dclus1m <- update(dclus1, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
m <- svyolr(mealcat ~ avg.ed + mobility + stype, design = dclus1m)
put("olr dclus1", "estimate", coef(m)); put("olr dclus1", "se", sqrt(diag(vcov(m))))
put("olr dclus1", "df", m$df.residual)

# --- svymean / svytotal with design effects (?svymean) ------------------------------------
jkstrat <- as.svrepdesign(dstrat)
stat("mean dclus1 api00 deff", svymean(~api00, dclus1, deff = TRUE))
stat("total dclus1 enroll deff", svytotal(~enroll, dclus1, deff = TRUE))
stat("mean dclus1 stype", svymean(~stype, dclus1))
stat("mean dstrat api00 deff", svymean(~api00, dstrat, deff = TRUE))
stat("mean dstrat api00 deff replace", svymean(~api00, dstrat, deff = "replace"))
stat("total dstrat enroll deff", svytotal(~enroll, dstrat, deff = TRUE))
stat("mean dclus2 api00 deff", svymean(~api00, dclus2, deff = TRUE))
stat("mean dclus1r api00 deff", svymean(~api00, dclus1r, deff = TRUE))
stat("mean jkstrat api00", svymean(~api00, jkstrat))
stat("mean jkstrat stype", svymean(~stype, jkstrat))
stat("total jkstrat enroll", svytotal(~enroll, jkstrat))
stat("ratio jkstrat api.stu/enroll", svyratio(~api.stu, ~enroll, jkstrat))
stat("ratio dclus1 api.stu/enroll", svyratio(~api.stu, ~enroll, dclus1))

# --- JK1 and bootstrap replicate weights (?as.svrepdesign) --------------------------------
rclus1 <- as.svrepdesign(dclus1)
put("degf", "rclus1", degf(rclus1))
stat("mean rclus1 api00", svymean(~api00, rclus1))
stat("total rclus1 enroll", svytotal(~enroll, rclus1))
rclus1mse <- as.svrepdesign(dclus1, mse = TRUE)
stat("mean rclus1 mse api00", svymean(~api00, rclus1mse))
stat("total rclus1 mse enroll", svytotal(~enroll, rclus1mse))
rclus1nofpc <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = apiclus1))
stat("mean rclus1 nofpc api00", svymean(~api00, rclus1nofpc))
set.seed(20261129)
bclus1 <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 100)
write.csv(weights(bclus1, "analysis"), "bootstrap_weights.csv", row.names = FALSE)
put("bootstrap", "scale", bclus1$scale)
stat("mean bclus1 api00", svymean(~api00, bclus1))
stat("total bclus1 enroll", svytotal(~enroll, bclus1))
bclus1mse <- bclus1
bclus1mse$mse <- TRUE
stat("mean bclus1 mse api00", svymean(~api00, bclus1mse))
stat("total bclus1 mse enroll", svytotal(~enroll, bclus1mse))
model("glm bclus1 api00", svyglm(api00 ~ ell + meals + mobility, design = bclus1))

# --- svyby (?svyby) -----------------------------------------------------------------------
by <- function(case, x) { put(case, "estimate", coef(x)); put(case, "se", setNames(as.vector(as.matrix(SE(x))), names(coef(x))))
                          if (!is.null(attr(x, "deffs")) || "DEff" %in% substr(names(x), 1, 4)) put(case, "deff", deff(x)) }
by("by dclus1 api99 stype", svyby(~api99, ~stype, dclus1, svymean))
by("by dclus1 api99+api00 stype deff", svyby(~api99 + api00, ~stype, dclus1, svymean, deff = TRUE))
by("by dclus1 api99+api00 stype+sch.wide", svyby(~api99 + api00, ~stype + sch.wide, dclus1, svymean))
by("by rclus1 api99 stype", svyby(~api99, ~stype, rclus1, svymean))
by("by rclus1 enroll stype total deff", svyby(~enroll, ~stype, rclus1, svytotal, deff = TRUE))
by("by dclus1 enroll stype total", svyby(~enroll, ~stype, dclus1, svytotal))
by("by dclus1 api.stu/enroll stype", svyby(~api.stu, by = ~stype, denominator = ~enroll, design = dclus1, svyratio))
by("by dclus1 api00 comp.imp+sch.wide", svyby(~api00, ~comp.imp + sch.wide, design = dclus1, svymean))
by("by dclus1r api00 stype", svyby(~api00, ~stype, dclus1r, svymean))
mns <- svyby(~api99, ~stype, dclus1, svymean, covmat = TRUE)
put("by dclus1 api99 stype", "vcov", as.vector(vcov(mns)))
put("by dclus1 api99 stype", "contrast E-M", c(coef(svycontrast(mns, c(E = 1, M = -1))), SE(svycontrast(mns, c(E = 1, M = -1)))))

# --- finite population corrections (survey's tests/fpc.R: example(fpc)) -------------------
write.csv(fpc, "fpc.csv", row.names = FALSE)
stat("fpc without", svymean(~x, svydesign(weights = ~weight, ids = ~psuid, strata = ~stratid, variables = ~x, data = fpc, nest = TRUE)))
stat("fpc Nh", svymean(~x, svydesign(weights = ~weight, ids = ~psuid, strata = ~stratid, fpc = ~Nh, variables = ~x, data = fpc, nest = TRUE)))
stat("fpc fraction", svymean(~x, svydesign(weights = ~weight, ids = ~psuid, strata = ~stratid, fpc = ~I(nh/Nh), variables = ~x, data = fpc, nest = TRUE)))
stat("fpc no weights", svymean(~x, svydesign(ids = ~psuid, strata = ~stratid, fpc = ~Nh, variables = ~x, data = fpc, nest = TRUE)))

# --- calibration to numeric totals (?calibrate, survey's tests/caleg.R) --------------------
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018)
cal <- function(case, d) {
  stat(paste(case, "mean api00"), svymean(~api00, d))
  stat(paste(case, "total enroll"), svytotal(~enroll, d))
  stat(paste(case, "total stype"), svytotal(~stype, d))
  put(case, "g range", range(weights(d) / weights(dclus1)))
}
cal("cal g", calibrate(dclus1, ~stype, pop.totals))
cal("cal g2", calibrate(dclus1, ~stype + sch.wide, c(pop.totals, sch.wideYes = 5122)))
cal("cal g3", calibrate(dclus1, ~stype + api99, c(pop.totals, api99 = 3914069)))
cal("cal g3 bounded", calibrate(dclus1, ~stype + api99, c(pop.totals, api99 = 3914069), bounds = c(0.6, 1.6)))
cal("cal g3 raking", calibrate(dclus1, ~stype + api99, c(pop.totals, api99 = 3914069), calfun = "raking"))
cal("cal g3 logit", calibrate(dclus1, ~stype + api99, c(pop.totals, api99 = 3914069), calfun = "logit", bounds = c(0.5, 2.5)))
total.enroll <- sum(apipop$enroll, na.rm = TRUE)
write.csv(data.frame(n = nrow(apipop), enroll = total.enroll), "apipop_totals.csv", row.names = FALSE)
stat("cal dstrat enroll-1 total api.stu", svytotal(~api.stu, calibrate(dstrat, ~enroll - 1, total.enroll)))
p <- predict(svyratio(~api.stu, ~enroll, dstrat, separate = FALSE), total = total.enroll)
put("ratio predict dstrat", "estimate", p$total); put("ratio predict dstrat", "se", p$se)
stat("cal dstrat enroll total api.stu", svytotal(~api.stu, calibrate(dstrat, ~enroll, pop = c(nrow(apipop), total.enroll))))
d <- calibrate(dclus1, ~enroll, c(6194, total.enroll))
put("cal dclus1 enroll", "g range", range(weights(d) / weights(dclus1)))
d <- calibrate(dclus1, ~enroll, c(6194, total.enroll), bounds = c(0.6, 1.5))
put("cal dclus1 enroll bounded", "g range", range(weights(d) / weights(dclus1)))

# --- lonely PSUs (survey's tests/lonely.psu.R) --------------------------------------------
lonely <- function(case, d) {
  for (o in c("remove", "certainty", "adjust", "average")) {
    options(survey.lonely.psu = o)
    stat(paste(case, o), svymean(~api00, d))
  }
  options(survey.lonely.psu = "fail")
}
lonely("lonely", svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = apiclus1))
lonely("lonely fpc", svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = apiclus1, fpc = ifelse(apiclus1$dnum == 413, 1, 1000)))
ds <- svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = subset(apiclus1, dnum != 413))
lonely("lonely domain", ds[-31, ])
options(survey.adjust.domain.lonely = TRUE)
lonely("lonely domain adjusted", ds[-31, ])
options(survey.adjust.domain.lonely = FALSE)

# --- rake that does not converge: warning, weights after maxit sweeps ---------------------
pop.awards <- data.frame(awards = c("No", "Yes"), Freq = c(2000, 4194))
d <- suppressWarnings(rake(dclus1, list(~stype, ~sch.wide, ~awards), list(pop.types, pop.schwide, pop.awards),
                           control = list(maxit = 2, epsilon = 1e-8)))
stat("rake maxit2 mean api00", svymean(~api00, d))
put("rake maxit2", "weights", weights(d)[1:10])

# --- logit intervals for proportions (?svyciprop) -----------------------------------------
ci <- function(case, x) { put(case, "estimate", as.numeric(x)); put(case, "ci", attr(x, "ci")) }
ci("ciprop dclus1 ell==0", svyciprop(~I(ell == 0), dclus1, method = "logit"))
ci("ciprop dclus2 ell==0", svyciprop(~I(ell == 0), dclus2, method = "logit"))
ci("ciprop dclus1r ell==0", svyciprop(~I(ell == 0), dclus1r, method = "logit"))
ci("ciprop dclus1 H ell==0", svyciprop(~I(ell == 0), subset(dclus1, stype == "H"), method = "logit"))
ci("ciprop dstrat meals/100", svyciprop(~I(meals / 100), dstrat, method = "logit"))
put("ciprop dclus1 H ell==0", "df", degf(subset(dclus1, stype == "H")))

write.table(do.call(rbind, out), "reference_models.csv", sep = ";", row.names = FALSE, quote = FALSE)
