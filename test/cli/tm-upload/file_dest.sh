# A directory as the destination (file:///DIR/, file://localhost/DIR/ or a
# plain path): files are copied under a hidden temporary name, fsync'd and
# renamed, so no temporary is left and no reader sees a partial file; a
# re-run skips what is there (same SHA-256), a changed file is copied again,
# --delete-after removes the sources. Needs no server.
source "$(dirname "$0")/../lib.sh"

random() { mkdir -p "$(dirname "$1")"; head -c "$2" /dev/urandom > "$1"; }
random "$T/src/a/b/one.lzma" 300000
random "$T/src/two words.lzma" 1000
: > "$T/src/empty.lzma"
random "$T/src/a/.being-written.lzma.tmp" 10

"$TM_BIN/tm-upload" -j 3 "$T/src" "file://$T/pub/" 2> "$T/err"
check_contains "summary" "tm-upload: 3 files: 3 uploaded, 0 skipped, 0 failed" "$(cat "$T/err")"
diff -r --exclude='.*' "$T/src" "$T/pub" || fail "copies differ"
check_eq "no temporary or hidden file" "" "$(find "$T/pub" -name '.*')"
check_eq "mode as a new file's (not mkstemp's 600)" "$(printf '%o' $((0666 & ~0$(umask))))" \
  "$(stat -c %a "$T/pub/a/b/one.lzma")"

"$TM_BIN/tm-upload" "$T/src" "file://localhost$T/pub" 2> "$T/err"
check_contains "re-run" "tm-upload: 3 files: 0 uploaded, 3 skipped, 0 failed" "$(cat "$T/err")"

random "$T/src/two words.lzma" 1000
"$TM_BIN/tm-upload" --delete-after "$T/src" "$T/pub" 2> "$T/err"
check_contains "changed" "tm-upload: 3 files: 1 uploaded, 2 skipped, 0 failed" "$(cat "$T/err")"
check_eq "sources removed, the file being written kept" "$T/src/a/.being-written.lzma.tmp" \
  "$(find "$T/src" -type f)"
check_eq "still three copies" 3 "$(find "$T/pub" -type f | wc -l)"

# A destination that cannot be written: each file fails, named.
random "$T/src2/x.lzma" 10
if [ "$(id -u)" != 0 ]; then  # root is not stopped by modes
  mkdir "$T/ro"
  chmod 555 "$T/ro"
  rc=0
  "$TM_BIN/tm-upload" "$T/src2" "$T/ro/sub/" 2> "$T/err" || rc=$?
  check_eq "read-only destination: exit status" 1 "$rc"
  check_contains "read-only destination: message" "tm-upload: $T/src2/x.lzma: $T/ro/sub: Permission denied" \
    "$(cat "$T/err")"
fi
# A destination path that is a file.
: > "$T/plainfile"
rc=0
"$TM_BIN/tm-upload" "$T/src2" "$T/plainfile/" 2> "$T/err" || rc=$?
check_eq "file as destination: exit status" 1 "$rc"
check_contains "file as destination: message" "tm-upload: $T/src2/x.lzma: $T/plainfile" "$(cat "$T/err")"
echo "file:// destination: atomic copies, skips, --delete-after"
