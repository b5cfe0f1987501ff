# tm-job refuses, before unpacking anything, a tarball with a member that
# could write outside the work directory (an absolute path, a '..'
# component, a symbolic or hard link that points outside, a member below a
# symbolic link) or that is a device file or a FIFO; it unpacks a tarball
# whose links stay inside.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.bash"

# Where the members of the hostile tarballs would land (the work directory
# is $STATE/NAME/runs/RUN/work: five '..' up is $T).
OUT=$T/outside
mkdir "$OUT"
echo "keep me" > "$OUT/secret"
S=$T/src
mkdir -p "$S/plain" "$S/linkdir" "$S/through"
echo "written" > "$S/plain/a"
ln "$S/plain/a" "$S/plain/b"
mkfifo "$S/plain/fifo"
ln -s "$OUT" "$S/linkdir/link"
ln -s ../../../../.. "$S/linkdir/up"
ln -s . "$S/linkdir/here"
ln -s here/.. "$S/linkdir/via"
mkdir -p "$S/through/link" "$S/through/up" "$S/through/here"
echo "written" > "$S/through/link/file"
echo "written" > "$S/through/up/climbed"
ln -s ../escaped "$S/through/here/evil"
H=$T/hostile
mkdir "$H"
tar -cPf "$H/absolute.tar" -C "$S/plain" --transform="s,^a\$,$OUT/absolute,r" a
tar -cPf "$H/dotdot.tar" -C "$S/plain" --transform='s,^a$,../../../../../dotdot,r' a
tar -cPf "$H/dotdot-inside.tar" -C "$S/plain" --transform='s,^a$,x/../a,r' a
tar -cf "$H/symlink-absolute.tar" -C "$S/linkdir" link -C "$S/through" link/file
tar -cf "$H/symlink-climbing.tar" -C "$S/linkdir" up -C "$S/through" up/climbed
tar -cf "$H/below-symlink.tar" -C "$S/linkdir" here -C "$S/through" here/evil
tar -cf "$H/symlink-through-symlink.tar" -C "$S/linkdir" here via
tar -cPf "$H/hardlink-absolute.tar" -C "$S/plain" --transform="s,^a\$,$OUT/secret,RSh" a b
tar -cPf "$H/hardlink-dotdot.tar" -C "$S/plain" --transform='s,^a$,../../../../../outside/secret,RSh' a b
tar -cf "$H/device.tar" -C /dev null
tar -cf "$H/fifo.tar" -C "$S/plain" fifo
gzip -c "$H/symlink-absolute.tar" > "$H/symlink-absolute.tgz"

# refused TARBALL MEMBER WHY: tm-job refuses TARBALL for MEMBER (as tar
# quotes it) with WHY, before it makes the work directory.
refused() {
  local name
  name=$(basename "${1%.*}")
  job --job-name "$name" --code-tarball "$H/$1" --destination "$BUCKET" --keep-work
  [ "$rc" = 1 ] || fail "$1: exit status $rc, expected 1: $(cat "$T/err")"
  check_eq "$1: stderr" "tm-job: $H/$1: refusing the tarball: \"$2\": $3" "$(cat "$T/err")"
  check_contains "$1: history" '"status":"bad-tarball"' "$(last_run "$name")"
  [ ! -e "$(run_dir "$name")/work" ] || fail "$1: a work directory was made"
}
refused absolute.tar "$OUT/absolute" "an absolute path"
refused dotdot.tar ../../../../../dotdot "a name with a .. component"
refused dotdot-inside.tar x/../a "a name with a .. component"
refused symlink-absolute.tar link "a symbolic link to an absolute path ($OUT)"
refused symlink-absolute.tgz link "a symbolic link to an absolute path ($OUT)"
refused symlink-climbing.tar up "a symbolic link that points outside the tarball (../../../../..)"
refused below-symlink.tar here/evil "a member below the symbolic link here"
refused symlink-through-symlink.tar via "a symbolic link through the symbolic link here"
refused hardlink-absolute.tar b "a hard link to an absolute path ($OUT/secret)"
refused hardlink-dotdot.tar b "a hard link with a .. component (../../../../../outside/secret)"
refused device.tar null "a device file"
refused fifo.tar fifo "a FIFO"

# Nothing was written outside: the witnesses are where they were, as they were.
check_eq "files outside the state directory" "$T/outside/secret" \
  "$(find "$T" -path "$STATE" -prune -o -path "$S" -prune -o -path "$H" -prune -o -type f -print |
    grep -v "^$T/\(out\|err\)\$" | sort)"
check_eq "the secret" "keep me" "$(cat "$OUT/secret")"
check_eq "the secret's links" 1 "$(stat -c %h "$OUT/secret")"
check_eq "published" "" "$(published)"

# Links that stay inside are fine.
mkdir -p "$T/src-links/sub/deeper"
echo "in sub" > "$T/src-links/sub/file"
ln -s sub/file "$T/src-links/to-file"
ln -s sub "$T/src-links/to-dir"
ln -s ../file "$T/src-links/sub/deeper/climb-back"
ln -s ../../sub/file "$T/src-links/sub/deeper/back-again"
ln "$T/src-links/sub/file" "$T/src-links/hard"
job_tarball links << 'EOF_JOB'
mkdir -p output
cat to-file to-dir/file sub/deeper/climb-back sub/deeper/back-again hard > output/read.txt
EOF_JOB
job --job-name links --code-tarball "$T/links.tgz" --destination "$BUCKET"
[ "$rc" = 0 ] || fail "a tarball with links inside: exit status $rc: $(cat "$T/err")"
check_eq "read through the links" "in sub
in sub
in sub
in sub
in sub" "$(cat "$BUCKET/links/data/read.txt")"

# The history stays JSON, messages with quoted names and all.
if command -v jq > /dev/null; then
  for history in "$STATE"/*/history.jsonl; do
    jq -e -c 'select(.status != null) | .message' "$history" > /dev/null || fail "$history: not JSON lines"
  done
  check_eq "a message with quotes" "$T/hostile/fifo.tar: refusing the tarball: \"fifo\": a FIFO" \
    "$(jq -r .message "$STATE/fifo/history.jsonl")"
fi
