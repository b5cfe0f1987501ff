#!/usr/bin/awk -f
# Reducer and combiner: "key<TAB>[n1,n2,...]" lines sorted by key -> one
# line per key with the arrays summed element by element (a shorter array
# counts as zeros past its end): the data behind a histogram dashboard.
BEGIN { FS = OFS = "\t"; CONVFMT = "%.17g" }
function flush(   i, out) {
  out = "["
  for (i = 1; i <= n; i++) out = out (i > 1 ? "," : "") (sum[i] + 0)
  print key, out "]"
}
NR > 1 && $1 != key { flush(); split("", sum); n = 0 }
{
  key = $1
  v = $2
  gsub(/[][ ]/, "", v)
  m = split(v, a, ",")
  if (m > n) n = m
  for (i = 1; i <= m; i++) sum[i] += a[i]
}
END { if (NR > 0) flush() }
