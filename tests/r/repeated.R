# Reference values for evaluation/repeated.py (friedman_test, rm_anova, pairwise_paired,
# cochran_q) from R. Run from the repository root:
#   Rscript tests/r/repeated.R
# Writes tests/r/repeated_input.csv (the seeded data, re-read before any computation so R and
# the tests use the same numbers) and tests/r/{friedman,rm_anova,pairwise,cochran}_expected.csv.
# R 4.2.2, coin 1.4-2.
suppressMessages(library(coin))
set.seed(20240613)
dir <- "tests/r"

cases <- list()
add <- function(name, n, k, gen, na = 0, binary = FALSE) {
  y <- matrix(gen(n * k), n, k)
  if (na > 0) y[sample(n * k, na)] <- NA
  cases[[length(cases) + 1]] <<- data.frame(case = name, id = rep(sprintf("S%03d", 1:n), k),
    wave = rep(c("pre", "during", "post", "w4")[1:k], each = n), y = as.vector(y))
}
cont <- function(m = 0, s = 1) function(N) round(rnorm(N, m, s), 2)
ints <- function(lo, hi) function(N) sample(lo:hi, N, replace = TRUE)
for (n in c(3, 4, 5, 8, 12, 20, 40, 60)) add(sprintf("cont_n%d", n), n, 3, cont(10, 3))
for (n in c(4, 6, 10, 25, 50)) add(sprintf("ties_n%d", n), n, 3, ints(1, 5))
add("trend_n15", 15, 3, function(N) round(rnorm(N) + rep(c(0, 1, 2), each = 15), 1))
add("k2_n10", 10, 2, cont(5, 2))
add("k4_n12", 12, 4, cont(0, 1))
add("k4_ties_n9", 9, 4, ints(0, 3))
add("na_n10", 10, 3, cont(20, 5), na = 3)
add("na_n30", 30, 3, ints(1, 7), na = 10)
add("na_n6_heavy", 6, 3, cont(0, 2), na = 5)
add("zeros_n8", 8, 3, function(N) rep(round(rnorm(8), 1), 3) + c(rep(0, 16), sample(c(0, 0, 1, -1), 8, TRUE)))
add("allequal_n6", 6, 3, function(N) rep(4, N))
add("rowconst_n7", 7, 3, function(N) rep(sample(1:9, 7, TRUE), 3))
add("big_n200", 200, 3, cont(50, 10))
add("skew_n18", 18, 3, function(N) round(rexp(N, 0.1), 1))
add("thai_scale_n30", 30, 3, ints(15, 60))
add("binaryish_n16", 16, 3, ints(0, 1))
add("k3_n2", 2, 3, cont(0, 1))
add("cont_n9_big", 9, 3, cont(1e4, 2e3))
add("ties_n45", 45, 3, ints(0, 10))
add("cont_n33", 33, 3, cont(3, 1))
add("trend_n8", 8, 3, function(N) rep(1:8, 3) + rep(c(0, 2, 5), each = 8) + round(rnorm(N), 1))
inp <- do.call(rbind, cases)
write.csv(inp, file.path(dir, "repeated_input.csv"), row.names = FALSE, na = "")
inp <- read.csv(file.path(dir, "repeated_input.csv"), stringsAsFactors = FALSE)

# binary outcomes for Cochran's Q (own cases)
bcases <- list()
addb <- function(name, n, k, p, na = 0) {
  y <- matrix(rbinom(n * k, 1, rep(p, each = n)), n, k)
  if (na > 0) y[sample(n * k, na)] <- NA
  bcases[[length(bcases) + 1]] <<- data.frame(case = name, id = rep(sprintf("S%03d", 1:n), k),
    wave = rep(c("pre", "during", "post", "w4")[1:k], each = n), y = as.vector(y))
}
for (n in c(5, 8, 12, 20, 30, 50, 100)) addb(sprintf("b_n%d", n), n, 3, c(.3, .5, .6))
for (n in c(6, 15, 40)) addb(sprintf("b_null_n%d", n), n, 3, c(.5, .5, .5))
addb("b_k2_n20", 20, 2, c(.3, .6)); addb("b_k4_n25", 25, 4, c(.2, .4, .5, .7))
addb("b_na_n20", 20, 3, c(.4, .5, .7), na = 6); addb("b_na_n12", 12, 3, c(.2, .5, .8), na = 4)
addb("b_rare_n30", 30, 3, c(.05, .1, .15)); addb("b_common_n30", 30, 3, c(.9, .95, .85))
addb("b_allzero_n10", 10, 3, c(0, 0, 0)); addb("b_allone_n7", 7, 3, c(1, 1, 1))
addb("b_n3", 3, 3, c(.2, .5, .9))
for (i in 1:12) addb(sprintf("b_rand%02d", i), sample(5:60, 1), 3, runif(3))
binp <- do.call(rbind, bcases)
write.csv(binp, file.path(dir, "cochran_input.csv"), row.names = FALSE, na = "")
binp <- read.csv(file.path(dir, "cochran_input.csv"), stringsAsFactors = FALSE)

wide <- function(d) {
  lev <- intersect(c("pre", "during", "post", "w4"), unique(d$wave))
  Y <- sapply(lev, function(w) d$y[d$wave == w][order(d$id[d$wave == w])])
  if (is.null(dim(Y))) Y <- matrix(Y, nrow = 1)
  Y
}
safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NA)
num <- function(x) if (is.null(x) || length(x) == 0) NA else unname(as.numeric(x))[1]

fr <- list(); rm <- list(); pw <- list(); cq <- list()
for (cs in unique(inp$case)) {
  d <- inp[inp$case == cs, ]
  Y <- wide(d); k <- ncol(Y)
  Yc <- Y[complete.cases(Y), , drop = FALSE]; n <- nrow(Yc)
  # R: friedman.test(Y)   (drops incomplete rows)
  f <- safe(friedman.test(Y))
  fr[[cs]] <- data.frame(case = cs, n = n, k = k, chi2 = if (is.list(f)) num(f$statistic) else NA,
    df = if (is.list(f)) num(f$parameter) else NA, p = if (is.list(f)) num(f$p.value) else NA,
    r_call = "friedman.test(Y)")
  # R: summary(aov(y ~ w + Error(id/w))) on complete subjects; GG: anova(lm(Yc ~ 1), X = ~1, test = "Spherical")
  dc <- data.frame(y = as.vector(Yc), w = factor(rep(seq_len(k), each = n)), id = factor(rep(seq_len(n), k)))
  a <- safe(summary(aov(y ~ w + Error(id/w), data = dc)))
  Fv <- NA; df1 <- NA; df2 <- NA; p <- NA; ges <- NA; ss_within <- NA; ss_total <- NA
  if (is.list(a) && n >= 2) {
    wi <- a[["Error: id:w"]][[1]]; ss_id <- sum(a[["Error: id"]][[1]][["Sum Sq"]])
    Fv <- wi[["F value"]][1]; df1 <- wi[["Df"]][1]; df2 <- wi[["Df"]][2]; p <- wi[["Pr(>F)"]][1]
    ges <- wi[["Sum Sq"]][1] / (wi[["Sum Sq"]][1] + ss_id + wi[["Sum Sq"]][2])
    ss_within <- sum(wi[["Sum Sq"]]); ss_total <- ss_within + ss_id
  }
  C <- contr.poly(k); V <- t(C) %*% cov(Yc) %*% C
  eps <- if (n >= 2) sum(diag(V))^2 / ((k - 1) * sum(V * V)) else NA
  am <- if (n >= 2 && k >= 3) safe(anova(lm(Yc ~ 1), X = ~1, test = "Spherical")) else NA
  p_gg <- if (is.data.frame(am)) am[["G-G Pr"]][1] else if (k == 2) p else NA
  rm[[cs]] <- data.frame(case = cs, n = n, f = Fv, df1 = df1, df2 = df2, p = p, eps_gg = eps,
    p_gg = p_gg, ges = ges, ss_within = ss_within, ss_total = ss_total,
    r_call = "summary(aov(y ~ w + Error(id/w))); eps: contr.poly; p_gg: anova(lm(Y ~ 1), X = ~1, test = 'Spherical')[['G-G Pr']]")
  # R: pairwise.t.test / pairwise.wilcox.test(y, w, paired = TRUE, p.adjust.method = m),
  #    data ordered by subject with NA rows (complete cases per pair)
  yy <- as.vector(Y); gg <- factor(rep(colnames(Y), each = nrow(Y)), levels = colnames(Y))
  for (test in c("t", "wilcoxon")) for (m in c("holm", "bonferroni", "BH", "none")) {
    first <- length(pw) + 1
    pp <- safe(if (test == "t") pairwise.t.test(yy, gg, paired = TRUE, p.adjust.method = m)$p.value
               else pairwise.wilcox.test(yy, gg, paired = TRUE, p.adjust.method = m)$p.value)
    for (i in 1:(k - 1)) for (j in (i + 1):k) {
      xa <- Y[, i]; xb <- Y[, j]; ok <- complete.cases(xa, xb)
      if (test == "t") {
        tt <- safe(t.test(xb, xa, paired = TRUE))
        est <- if (is.list(tt)) num(tt$estimate) else if (sum(ok) > 0) mean(xb[ok] - xa[ok]) else NA
        st <- if (is.list(tt)) num(tt$statistic) else NA; pu <- if (is.list(tt)) num(tt$p.value) else NA
        call <- "t.test(x_b, x_a, paired = TRUE); p_adj: pairwise.t.test(y, w, paired = TRUE, p.adjust.method = m)"
      } else {
        ww <- safe(wilcox.test(xb, xa, paired = TRUE, conf.int = TRUE))
        if (!is.list(ww)) ww <- safe(wilcox.test(xb, xa, paired = TRUE))
        est <- if (is.list(ww)) num(ww$estimate) else NA
        st <- if (is.list(ww)) num(ww$statistic) else NA; pu <- if (is.list(ww)) num(ww$p.value) else NA
        call <- "wilcox.test(x_b, x_a, paired = TRUE, conf.int = TRUE); p_adj: pairwise.wilcox.test(y, w, paired = TRUE, p.adjust.method = m)"
      }
      padj <- if (is.matrix(pp)) pp[j - 1, i] else NA
      pw[[length(pw) + 1]] <- data.frame(case = cs, test = test, padjust = m, a = colnames(Y)[i],
        b = colnames(Y)[j], n = sum(ok), estimate = est, statistic = st, p = pu, p_adj = padj,
        r_call = call)
    }
    # where pairwise.*.test stops (a pair with too few subjects), the adjustment of the pairs
    # that can be tested: R p.adjust(p, m) (NA skipped)
    idx <- first:length(pw)
    pa <- p.adjust(sapply(pw[idx], function(r) r$p), m)
    for (t in seq_along(idx)) pw[[idx[t]]]$p_adj_available <- pa[t]
  }
}
for (cs in unique(binp$case)) {
  d <- binp[binp$case == cs, ]
  Y <- wide(d); k <- ncol(Y); Yc <- Y[complete.cases(Y), , drop = FALSE]; n <- nrow(Yc)
  # R: coin::symmetry_test(factor(y) ~ w | id, teststat = "quadratic") on complete subjects
  dc <- data.frame(y = factor(as.vector(Yc), levels = c(0, 1)), w = factor(rep(seq_len(k), each = n)),
                   id = factor(rep(seq_len(n), k)))
  st <- safe(symmetry_test(y ~ w | id, data = dc, teststat = "quadratic"))
  q <- if (isS4(st)) num(statistic(st)) else NA
  cq[[cs]] <- data.frame(case = cs, n = n, k = k, q = q, df = k - 1,
    p = if (isS4(st)) num(pvalue(st)) else NA,
    friedman = num(safe(friedman.test(Yc)$statistic)),
    r_call = "coin::symmetry_test(factor(y) ~ w | id, teststat = 'quadratic'); friedman.test(Y) agrees")
}
w <- function(x, f) write.csv(do.call(rbind, x), file.path(dir, f), row.names = FALSE, na = "")
w(fr, "friedman_expected.csv"); w(rm, "rm_anova_expected.csv"); w(pw, "pairwise_expected.csv")
w(cq, "cochran_expected.csv")
