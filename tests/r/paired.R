# Reference values for paired_test (t-test, Wilcoxon signed rank, Hodges-Lehmann estimate and
# interval) from R. Run from the repository root:  Rscript tests/r/paired.R
# Writes tests/r/paired_input.csv (seeded data, re-read before computing) and
# tests/r/paired_expected.csv: one row per data set x (exact, correct, alternative).
# R 4.2.2 (exact Wilcoxon p-values are not computed with ties or zeros before R 4.6.0;
# coin::wilcoxsign_test(..., zero.method = "Wilcoxon", distribution = "exact") gives the
# exact conditional p-value with ties that R >= 4.6 reports -- column p_exact_ties).
suppressMessages(library(coin))
set.seed(20240615)
dir <- "tests/r"
sets <- list()
add <- function(name, before, after) {
  sets[[length(sets) + 1]] <<- data.frame(case = name, i = seq_along(before), before = before, after = after)
}
for (n in c(3, 5, 6, 9, 12, 20, 30, 49)) { b <- round(rnorm(n, 40, 8), 2); add(sprintf("cont_n%d", n), b, round(b + rnorm(n, 2, 5), 2)) }
for (n in c(50, 51, 80, 150)) { b <- round(rnorm(n, 40, 8), 2); add(sprintf("big_n%d", n), b, round(b + rnorm(n, 1, 6), 2)) }
for (n in c(6, 10, 15, 25, 40, 60)) { b <- sample(15:60, n, TRUE); add(sprintf("ties_n%d", n), b, b + sample(-4:6, n, TRUE)) }
b <- round(rnorm(12, 10, 2), 1); add("zeros_n12", b, b + c(0, 0, round(rnorm(10, 1, 1), 1)))
b <- round(rnorm(8), 2); add("onezero_n8", b, b + c(0, round(rnorm(7, 1), 2)))
b <- 1:7; add("allequal_diff_n7", b, b + 3)
b <- 1:6; add("allzero_n6", b, b)
b <- round(rnorm(10, 5), 2); a <- round(b + rnorm(10, 1), 2); b[c(2, 7)] <- NA; a[9] <- NA; add("na_n10", b, a)
b <- round(rnorm(30, 5), 1); a <- round(b + rnorm(30, .3), 1); a[c(1, 5, 9, 22)] <- NA; add("na_ties_n30", b, a)
add("n2", c(1.5, 2.25), c(2.5, 4.0))
add("n1", c(3.2), c(4.1))
b <- round(rexp(20, .001)); add("income_n20", b, round(b * exp(rnorm(20, .1, .2))))
b <- round(rexp(45, .001), -2); add("income_round_n45", b, round(b * exp(rnorm(45, .05, .3)), -2))
b <- sample(0:10, 18, TRUE); add("scale010_n18", b, pmin(10, b + sample(-1:2, 18, TRUE)))
b <- round(rnorm(9, 0, 1), 3); add("negative_n9", b, b - abs(round(rnorm(9, 1), 3)))
b <- round(rnorm(35, 100, 15)); add("iq_n35", b, b + round(rnorm(35, 0, 3)))
b <- round(rnorm(4), 2); add("n4", b, round(b + rnorm(4, 1), 2))
b <- c(1, 2, 3, 4, 5, 6); add("symmetric_n6", b, b + c(-2, -1, 1, 2, 3, -3))
inp <- do.call(rbind, sets)
write.csv(inp, file.path(dir, "paired_input.csv"), row.names = FALSE, na = "")
inp <- read.csv(file.path(dir, "paired_input.csv"), stringsAsFactors = FALSE)

safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)
num <- function(x, i = 1) if (is.null(x) || length(x) < i) NA else unname(as.numeric(x))[i]
settings <- list(list(exact = "NULL", correct = TRUE, alt = "two.sided"),
                 list(exact = "FALSE", correct = TRUE, alt = "two.sided"),
                 list(exact = "FALSE", correct = FALSE, alt = "two.sided"),
                 list(exact = "TRUE", correct = TRUE, alt = "two.sided"),
                 list(exact = "NULL", correct = TRUE, alt = "greater"),
                 list(exact = "NULL", correct = TRUE, alt = "less"),
                 list(exact = "FALSE", correct = FALSE, alt = "less"))
out <- list()
for (cs in unique(inp$case)) {
  d <- inp[inp$case == cs, ]; before <- d$before; after <- d$after
  ok <- complete.cases(before, after); dd <- after[ok] - before[ok]
  # R >= 4.6 behaviour (exact conditional with ties), via coin
  pet <- NA
  if (sum(dd != 0) > 0) {
    z <- data.frame(y = c(after[ok], before[ok]), x = factor(rep(c("a", "b"), each = sum(ok))),
                    block = factor(rep(seq_len(sum(ok)), 2)))
    cw <- safe(wilcoxsign_test(after[ok] ~ before[ok], zero.method = "Wilcoxon", distribution = "exact"))
    if (!is.null(cw)) pet <- num(pvalue(cw))
  }
  for (s in settings) {
    ex <- switch(s$exact, "NULL" = NULL, "TRUE" = TRUE, "FALSE" = FALSE)
    # R: wilcox.test(after, before, paired = TRUE, conf.int = TRUE, exact = ex, correct = s$correct, alternative = s$alt)
    w <- safe(wilcox.test(after, before, paired = TRUE, conf.int = TRUE, exact = ex,
                          correct = s$correct, alternative = s$alt))
    if (is.null(w)) w <- safe(wilcox.test(after, before, paired = TRUE, exact = ex,
                                          correct = s$correct, alternative = s$alt))
    # R: t.test(after, before, paired = TRUE, alternative = s$alt)
    tt <- safe(t.test(after, before, paired = TRUE, alternative = s$alt))
    out[[length(out) + 1]] <- data.frame(case = cs, exact = s$exact, correct = s$correct,
      alternative = s$alt, n = sum(ok), v = num(w$statistic), p_wilcoxon = num(w$p.value),
      wilcoxon_method = if (is.null(w)) NA else w$method,
      hl_estimate = num(w$estimate), hl_ci_low = num(w$conf.int, 1), hl_ci_high = num(w$conf.int, 2),
      hl_conf_level = num(attr(w$conf.int, "conf.level")),
      t = num(tt$statistic), p_t = num(tt$p.value), ci_low = num(tt$conf.int, 1),
      ci_high = num(tt$conf.int, 2), p_exact_ties = if (s$alt == "two.sided") pet else NA,
      r_call = sprintf("wilcox.test(after, before, paired = TRUE, conf.int = TRUE, exact = %s, correct = %s, alternative = '%s'); t.test(after, before, paired = TRUE, alternative = '%s'); p_exact_ties: coin::wilcoxsign_test(after ~ before, zero.method = 'Wilcoxon', distribution = 'exact')",
                       s$exact, s$correct, s$alt, s$alt))
  }
}
write.csv(do.call(rbind, out), file.path(dir, "paired_expected.csv"), row.names = FALSE, na = "")
