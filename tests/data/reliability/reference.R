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
print(alpha(x)$total$raw_alpha)            # 0.9386798184; Feldt 95 %: 0.93 .. 0.95
print(omega(x, nfactors = 1, fm = "ml", plot = FALSE)$omega.tot)  # 0.9388968893
print(round(as.vector(fa(x, nfactors = 1, fm = "ml")$loadings), 4))
# 0.7022 0.7748 0.8156 0.7503 0.7131 0.7469 0.6654 0.7789 0.6615 0.7496 0.7603 0.5911 0.6978 0.7041
