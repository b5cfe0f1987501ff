#!/usr/bin/awk -f
# Reducer and combiner of the slowsql job: "key<TAB>hits<TAB>ms" lines sorted
# by key -> one line per key with both summed.
BEGIN { FS = OFS = "\t" }
NR > 1 && $1 != key { print key, hits, ms; hits = ms = 0 }
{ key = $1; hits += $2; ms += $3 }
END { if (NR > 0) print key, hits, ms }
