# Reference values for did() from R. Run from the repository root:  Rscript tests/r/did.R
# Writes tests/r/did_input.csv (seeded panels, re-read before computing) and
# tests/r/did_expected.csv. R 4.2.2, sandwich 3.0-2.
#   estimate, se: fit <- lm(y ~ D * P); V <- sandwich::vcovCL(fit, cluster = ~cluster, type = "HC1")
#   t = b / sqrt(V[4, 4]); df = G - 1; p = 2 * pt(-abs(t), G - 1); CI = b -/+ qt(.975, G - 1) * se
#   (lmtest::coeftest(fit, vcov = V, df = G - 1) would print the same)
#   welch: t.test(change[D == 1], change[D == 0]); ranksum: wilcox.test(change[D == 1], change[D == 0])
# Units with the outcome at both waves only (complete cases), as did() uses.
suppressMessages(library(sandwich))
set.seed(20240616)
dir <- "tests/r"
cases <- list()
add <- function(name, G_t, G_c, size, effect = 2, icc = 1, sd = 3, na = 0, round_to = 1,
                cross = FALSE) {
  G <- G_t + G_c
  sizes <- if (length(size) == 1) rep(size, G) else size
  rows <- list()
  for (g in seq_len(G)) {
    arm <- if (g <= G_t) "program" else "comparison"
    u <- rnorm(1, 0, icc); ug <- rnorm(1, 0, icc / 2)
    for (h in seq_len(sizes[g])) {
      a <- if (cross) sample(c("program", "comparison"), 1) else arm
      base <- 50 + u + rnorm(1, 0, sd)
      post <- base + 1 + ug + (a == "program") * effect + rnorm(1, 0, sd)
      unit <- sprintf("C%02d-H%03d", g, h)
      rows[[length(rows) + 1]] <- data.frame(case = name, unit = unit, wave = c("pre", "post"),
        arm = a, cluster = sprintf("V%02d", g), y = round(c(base, post), round_to))
    }
  }
  d <- do.call(rbind, rows)
  if (na > 0) d$y[sample(nrow(d), na)] <- NA
  cases[[length(cases) + 1]] <<- d
}
add("g2_cross", 1, 1, 20, cross = TRUE)          # 2 clusters, both arms inside each
add("g2_cross_small", 1, 1, 6, cross = TRUE)
add("g3_cross", 2, 1, 10, cross = TRUE)
add("g4", 2, 2, 8)
add("g4_unbal", 2, 2, c(3, 12, 5, 20))
add("g5", 3, 2, 10)
add("g6_null", 3, 3, 10, effect = 0)
add("g6_na", 3, 3, 12, na = 9)
add("g8", 4, 4, 15)
add("g8_unbal", 4, 4, c(2, 5, 30, 8, 4, 25, 3, 10))
add("g8_ties", 4, 4, 12, round_to = -1)
add("g10", 5, 5, 20, effect = 1)
add("g10_icc", 5, 5, 20, icc = 5)
add("g12_unbal_arms", 9, 3, 10)
add("g12_neg", 6, 6, 10, effect = -3)
add("g15", 8, 7, c(rep(5, 8), rep(25, 7)))
add("g16_small", 8, 8, 2)
add("g20", 10, 10, 10)
add("g20_na", 10, 10, 10, na = 25)
add("g24", 12, 12, 6, effect = 0.5)
add("g29", 15, 14, 8)
add("g30", 15, 15, 8)
add("g40", 20, 20, 5)
add("g60", 30, 30, 10)
add("g60_unbal", 30, 30, sample(2:40, 60, TRUE))
add("g60_null", 30, 30, 6, effect = 0)
add("g60_na", 30, 30, 8, na = 40)
add("g80", 40, 40, 4)
add("g10_int", 5, 5, 10, round_to = 0)
add("g14_big", 7, 7, 60)
add("g6_large_sd", 3, 3, 10, sd = 20)
add("g9_odd", 5, 4, c(7, 3, 11, 2, 9, 4, 6, 13, 5))
inp <- do.call(rbind, cases)
write.csv(inp, file.path(dir, "did_input.csv"), row.names = FALSE, na = "")
inp <- read.csv(file.path(dir, "did_input.csv"), stringsAsFactors = FALSE)

num <- function(x, i = 1) if (is.null(x) || length(x) < i) NA else unname(as.numeric(x))[i]
safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)
out <- list()
for (cs in unique(inp$case)) {
  d <- inp[inp$case == cs, ]
  w <- reshape(d[, c("unit", "wave", "arm", "cluster", "y")], idvar = c("unit", "arm", "cluster"),
               timevar = "wave", direction = "wide")
  n_seen <- nrow(w)
  w <- w[complete.cases(w$y.pre, w$y.post), ]
  long <- data.frame(y = c(w$y.pre, w$y.post), D = as.numeric(rep(w$arm == "program", 2)),
                     P = rep(c(0, 1), each = nrow(w)), cluster = rep(w$cluster, 2))
  fit <- lm(y ~ D * P, data = long)
  V <- vcovCL(fit, cluster = ~cluster, type = "HC1")
  G <- length(unique(w$cluster)); b <- unname(coef(fit)["D:P"]); se <- sqrt(V["D:P", "D:P"])
  tt <- b / se; q <- qt(0.975, G - 1)
  ch <- w$y.post - w$y.pre; D <- w$arm == "program"
  wt <- safe(t.test(ch[D], ch[!D]))
  wr <- safe(wilcox.test(ch[D], ch[!D]))
  out[[cs]] <- data.frame(case = cs, estimate = b, se = se, t = tt, df = G - 1,
    p = 2 * pt(-abs(tt), G - 1), ci_low = b - q * se, ci_high = b + q * se,
    n_units = nrow(w), n_dropped = n_seen - nrow(w), n_clusters = G,
    n_treated = sum(D), n_control = sum(!D),
    mean_treated_pre = mean(w$y.pre[D]), mean_treated_post = mean(w$y.post[D]),
    mean_control_pre = mean(w$y.pre[!D]), mean_control_post = mean(w$y.post[!D]),
    welch_t = num(wt$statistic), welch_df = num(wt$parameter), welch_p = num(wt$p.value),
    welch_ci_low = num(wt$conf.int, 1), welch_ci_high = num(wt$conf.int, 2),
    ranksum_w = num(wr$statistic), ranksum_p = num(wr$p.value),
    r_call = "lm(y ~ D * P); sandwich::vcovCL(fit, cluster = ~cluster, type = 'HC1'); t on G - 1 df; t.test(ch[D], ch[!D]); wilcox.test(ch[D], ch[!D])")
}
write.csv(do.call(rbind, out), file.path(dir, "did_expected.csv"), row.names = FALSE, na = "")
