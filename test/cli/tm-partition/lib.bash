# Helpers of the tm-partition tests, sourced after ../lib.sh.

# records N [REASON [VERSION [APPVERSION]]]: N records of one partition on
# stdout, doc ids doc-<REASON>-1.., payload {"ver":2,...}.
records() {
  local n=$1 reason=${2:-saved-session} version=${3:-29.0a1} i
  for ((i = 1; i <= n; i++)); do
    printf 'doc-%s-%d\t2014-03-08T12:00:0%d.000Z\t%s\tFirefox\t%s\tnightly\t20140301030201\t\t{"ver":2,"info":{"reason":"%s"},"n":%d}\n' \
      "$reason" "$i" $((i % 10)) "$reason" "$version" "$reason" "$i"
  done
}

# store_lines DIR: every "<uuid>\t<json>" line of the finished files under DIR, sorted.
store_lines() {
  find "$1" -name '*.lzma' -print0 | sort -z | xargs -0 -r xz -dc | sort
}

# expected_lines FILE: what the store must hold for the records of FILE, sorted.
expected_lines() {
  cut -f 1,9 "$1" | sort
}

# no_temporary_files DIR
no_temporary_files() {
  local left
  left=$(find "$1" -name '.*' -o -name '*.tmp' | head -5)
  [ -z "$left" ] || fail "temporary files left: $left"
}
