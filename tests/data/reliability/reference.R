# Reference values for tests/test_maturity.py from R's psych package (2.2.9, R 4.2.2, Debian).
# cronbach_alpha_wide.csv: pingouin's example dataset `cronbach_alpha` (15 subjects x 10 items),
# pivoted to one column per item. offers.csv: the offer scores of the bundled example, written by
# `analysis.maturity.offer_scores(...).dropna()` (the test rebuilds it).
suppressMessages(library(psych))
options(digits = 10)
w <- read.csv("cronbach_alpha_wide.csv")
print(alpha(w)$total$raw_alpha)            # 0.5917188486; Feldt 95 %: 0.19 .. 0.84
print(omega(w, nfactors = 1, fm = "ml", plot = FALSE)$omega.tot)  # 0.7076274426
x <- read.csv("offers.csv")
print(alpha(x)$total$raw_alpha)            # 0.9394204389; Feldt 95 %: 0.93 .. 0.95
print(omega(x, nfactors = 1, fm = "ml", plot = FALSE)$omega.tot)  # 0.939854458
print(round(as.vector(fa(x, nfactors = 1, fm = "ml")$loadings), 4))
# 0.6900 0.7717 0.7640 0.7697 0.7264 0.7402 0.6981 0.7555 0.7191 0.7617 0.7291 0.5656 0.7043 0.7589
