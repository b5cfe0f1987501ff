# Shared by tm-job and tm-schedule: the checks of a scheduled job's fields,
# so that a job tm-schedule accepts is one tm-job runs, and the small
# conversions both need. Source it after common.bash.
#
# Each tm_check_* function returns 0 when VALUE is good; otherwise it sets
# TM_WHY to what is wrong (lowercase, no final period, ready to follow
# "--option: ") and returns 1. They print nothing and never exit.

# shellcheck disable=SC2034 # TM_WHY is read by the scripts that source this
TM_WHY=

# Job names become directory names and crontab tags: letters, digits, - and _.
tm_check_job_name() {
  if [ -z "$1" ]; then
    TM_WHY="empty job name"
  elif [ "${#1}" -gt 100 ]; then
    TM_WHY="job name longer than 100 characters"
  elif [[ ! $1 =~ ^[A-Za-z0-9_-]+$ ]]; then
    TM_WHY="'$1': a job name is letters, digits, '-' and '_' only"
  else
    return 0
  fi
  return 1
}

# A field that goes into a crontab line or a mail header: one line, no
# control characters.
tm_check_one_line() {
  if [[ $1 =~ [[:cntrl:]] ]]; then
    TM_WHY="contains a control character (a newline or a tab, say); it must be one line"
    return 1
  fi
}

# The output directory is relative to the work directory and stays in it, as
# far as its name tells (tm-job checks where it really resolves after the run).
tm_check_output_dir() {
  tm_check_one_line "$1" || return 1
  case "/$1/" in
    //) TM_WHY="empty output directory" ;;
    //*) TM_WHY="'$1': an absolute path; the output directory is relative to the work directory" ;;
    */../*) TM_WHY="'$1': a '..' component; the output directory must stay in the work directory" ;;
    *) return 0 ;;
  esac
  return 1
}

# tm_check_source KIND VALUE: KIND is "code" (the code tarball: s3://BUCKET/KEY,
# file:///PATH, http://, https:// or a local path) or "destination"
# (s3://BUCKET[/PREFIX], file:///DIR or a directory).
tm_check_source() {
  tm_check_one_line "$2" || return 1
  if [ -z "$2" ]; then
    TM_WHY="empty URL"
  elif [[ $2 == *://* && ! $2 =~ ^(s3://[^/]+|file:///|https?://[^/]+) ]]; then
    if [ "$1" = code ]; then
      TM_WHY="'$2': unsupported URL (s3://BUCKET/KEY, file:///PATH, http:// and https:// are)"
    else
      TM_WHY="'$2': unsupported URL (s3://BUCKET/PREFIX and file:///DIR are)"
    fi
  elif [ "$1" = destination ] && [[ $2 == http* ]]; then
    TM_WHY="'$2': a destination is s3://BUCKET/PREFIX, file:///DIR or a directory"
  elif [ "$1" = code ] && [[ $2 =~ ^s3://[^/]+/?$ ]]; then
    TM_WHY="'$2': names a bucket, not a tarball (s3://BUCKET/KEY)"
  elif [ "$1" = code ] && [[ $2 == */ ]]; then
    TM_WHY="'$2': names a directory or a prefix (it ends in '/'), not a tarball"
  else
    return 0
  fi
  return 1
}

# Mail addresses: one or more, comma-separated, each user or user@host.
tm_check_mail_to() {
  local address addresses
  tm_check_one_line "$1" || return 1
  IFS=, read -ra addresses <<< "$1"
  [ "${#addresses[@]}" -gt 0 ] || { TM_WHY="empty address"; return 1; }
  for address in "${addresses[@]}"; do
    address=${address# }
    if [[ ! $address =~ ^[A-Za-z0-9._%+=-]+(@[A-Za-z0-9.-]+)?$ ]]; then
      TM_WHY="'$address': not a mail address (user@host, comma-separated)"
      return 1
    fi
  done
}

# tm_duration_seconds VALUE DEFAULT_UNIT: sets TM_SECONDS to VALUE in seconds.
# VALUE is a whole number with an optional unit s, m or h (DEFAULT_UNIT
# without one); at least 1 s, at most 30 days.
TM_SECONDS=
tm_duration_seconds() {
  local number unit
  if [[ ! $1 =~ ^([0-9]{1,7})([smh]?)$ ]]; then
    TM_WHY="'$1': not a duration (a whole number, with an optional unit s, m or h)"
    return 1
  fi
  number=$((10#${BASH_REMATCH[1]}))
  unit=${BASH_REMATCH[2]:-$2}
  case "$unit" in
    m) number=$((number * 60)) ;;
    h) number=$((number * 3600)) ;;
  esac
  if [ "$number" -lt 1 ] || [ "$number" -gt 2592000 ]; then
    TM_WHY="'$1': out of range (1 s to 30 days)"
    return 1
  fi
  TM_SECONDS=$number
}

tm_check_endpoint() {
  [[ $1 =~ ^https?://[^[:space:][:cntrl:]]+$ ]] && return 0
  TM_WHY="'$1': not an http:// or https:// URL"
  return 1
}

tm_check_region() {
  [[ $1 =~ ^[a-z0-9-]+$ ]] && return 0
  TM_WHY="'$1': not a region name (such as us-west-2)"
  return 1
}

# tm_absolute PATH: PATH made absolute against the current directory (not
# resolved: symbolic links stay as they are). URLs are printed unchanged.
tm_absolute() {
  case "$1" in
    *://* | /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
  esac
}

# tm_json_string TEXT: TEXT as a JSON string, quotes included.
tm_json_string() {
  local s=$1 out='' c hex
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  while [[ $s =~ ^([^[:cntrl:]]*)([[:cntrl:]])(.*)$ ]]; do
    c=${BASH_REMATCH[2]}
    printf -v hex '\\u%04x' "'$c"
    out+=${BASH_REMATCH[1]}$hex
    s=${BASH_REMATCH[3]}
  done
  printf '"%s"' "$out$s"
}

# tm_shell_quote WORD...: the words quoted for sh, separated by spaces: a
# word of letters, digits and _@+=:,./- as it is, any other in single quotes.
tm_shell_quote() {
  local word sep=''
  for word in "$@"; do
    if [[ $word =~ ^[A-Za-z0-9_@+=:,./-]+$ ]]; then
      printf '%s%s' "$sep" "$word"
    else
      printf "%s'%s'" "$sep" "${word//\'/\'\\\'\'}"
    fi
    sep=' '
  done
}
