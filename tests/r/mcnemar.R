# Reference values for mcnemar_test (2 x 2) and symmetry_test (k x k) from R.
# Run from the repository root:  Rscript tests/r/mcnemar.R
# Writes tests/r/mcnemar_expected.csv, tests/r/symmetry_input.csv, tests/r/symmetry_expected.csv.
# R 4.2.2, coin 1.4-2.
suppressMessages(library(coin))
set.seed(20240614)
dir <- "tests/r"
safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)
num <- function(x) if (is.null(x)) NA else unname(as.numeric(x))[1]

# 2 x 2: a = yes/yes, b = yes before/no after, c = no before/yes after, d = no/no
cells <- rbind(c(10, 3, 9, 8), c(2, 5, 5, 2), c(6, 0, 4, 1), c(40, 12, 30, 18), c(0, 0, 0, 5),
               c(3, 1, 1, 3), c(10, 7, 7, 10), c(1, 1, 0, 0), c(5, 0, 1, 5), c(5, 1, 0, 5),
               c(794, 150, 86, 570), c(0, 25, 25, 0), c(2, 20, 21, 3), c(0, 0, 3, 0),
               c(4, 2, 3, 1), c(100, 50, 50, 100), c(7, 13, 2, 9), c(3, 0, 0, 4))
for (i in 1:16) cells <- rbind(cells, c(sample(0:30, 1), sample(0:15, 1), sample(0:15, 1), sample(0:30, 1)))
out <- list()
for (r in seq_len(nrow(cells))) {
  x <- cells[r, ]; tab <- matrix(c(x[1], x[3], x[2], x[4]), 2)   # rows = before (yes, no)
  m1 <- safe(mcnemar.test(tab)); m0 <- safe(mcnemar.test(tab, correct = FALSE))
  bt <- if (x[2] + x[3] > 0) safe(binom.test(x[2], x[2] + x[3])) else NULL
  out[[r]] <- data.frame(case = sprintf("m%02d", r), a = x[1], b = x[2], c = x[3], d = x[4],
    stat_cc = num(m1$statistic), p_cc = num(m1$p.value), method_cc = if (is.null(m1)) NA else m1$method,
    stat_nocc = num(m0$statistic), p_nocc = num(m0$p.value),
    stat_exact = num(bt$statistic), p_exact = num(bt$p.value),
    r_call = "mcnemar.test(matrix(c(a, c, b, d), 2)); mcnemar.test(..., correct = FALSE); binom.test(b, b + c)")
}
write.csv(do.call(rbind, out), file.path(dir, "mcnemar_expected.csv"), row.names = FALSE, na = "")

# k x k tables (rows = band before, columns = band after)
tabs <- list(
  matrix(c(20, 5, 2, 6, 30, 4, 1, 7, 25), 3, byrow = TRUE),
  matrix(c(5, 3, 1, 0, 8, 2, 2, 4, 9), 3, byrow = TRUE),
  matrix(c(10, 4, 6, 12), 2, byrow = TRUE),
  matrix(c(10, 4, 4, 12), 2, byrow = TRUE),
  matrix(c(3, 1, 1, 1, 4, 2, 1, 1, 5), 3, byrow = TRUE),
  matrix(c(12, 6, 3, 1, 4, 15, 5, 2, 1, 3, 18, 6, 0, 1, 4, 20), 4, byrow = TRUE),
  matrix(c(1, 2, 1, 3, 1, 2, 1, 2, 1), 3, byrow = TRUE))
for (i in 1:26) {
  k <- sample(3:5, 1)
  base <- matrix(rpois(k * k, 2), k); diag(base) <- diag(base) + rpois(k, 8)
  base[upper.tri(base)] <- base[upper.tri(base)] + rpois(k * (k - 1) / 2, sample(0:3, 1))
  base[base == 0] <- 1   # Bowker needs n_ij + n_ji > 0 (R gives NaN otherwise; tested separately)
  tabs[[length(tabs) + 1]] <- base
}
tabs[[length(tabs) + 1]] <- matrix(c(5, 0, 0, 2, 6, 1, 0, 3, 7), 3, byrow = TRUE)  # empty pair: R NaN
inp <- list(); exp <- list()
for (t in seq_along(tabs)) {
  tab <- tabs[[t]]; k <- nrow(tab); cs <- sprintf("t%02d", t)
  inp[[t]] <- data.frame(case = cs, i = rep(1:k, k), j = rep(1:k, each = k), count = as.vector(tab))
  b <- safe(mcnemar.test(tab))
  mh <- safe(mh_test(as.table(tab)))
  exp[[t]] <- data.frame(case = cs, k = k, bowker_chi2 = num(b$statistic), bowker_df = num(b$parameter),
    bowker_p = num(b$p.value), stuart_maxwell_chi2 = if (is.null(mh)) NA else num(statistic(mh)),
    stuart_maxwell_df = k - 1, stuart_maxwell_p = if (is.null(mh)) NA else num(pvalue(mh)),
    r_call = "mcnemar.test(tab); coin::mh_test(as.table(tab))")
}
write.csv(do.call(rbind, inp), file.path(dir, "symmetry_input.csv"), row.names = FALSE, na = "")
write.csv(do.call(rbind, exp), file.path(dir, "symmetry_expected.csv"), row.names = FALSE, na = "")
