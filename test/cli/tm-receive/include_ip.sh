# --include-ip writes v2 records with the client address; X-Forwarded-For only
# counts with --trust-forwarded, and is cut to 64 bytes.
source "$(dirname "$0")/../lib.sh"
start_receiver --include-ip
http_code -H 'X-Forwarded-For: 203.0.113.7' --data-binary a "$URL/submit/telemetry/untrusted" > /dev/null
stop_receiver
check_eq "peer address" "untrusted 127.0.0.1" "$(stored_records | awk -F'\t' '{print $2, $3}')"
case "$(finished_logs)" in *telemetry.log.v2.*) ;; *) fail "v2 log name expected" ;; esac

rm -rf "$T/logs"
start_receiver --include-ip --trust-forwarded
http_code -H 'X-Forwarded-For: 203.0.113.7, 10.0.0.1' --data-binary a "$URL/submit/telemetry/fwd" > /dev/null
http_code -H "X-Forwarded-For: $(printf '9%.0s' $(seq 100))" --data-binary a "$URL/submit/telemetry/long" > /dev/null
http_code --data-binary a "$URL/submit/telemetry/none" > /dev/null
stop_receiver
check_eq "forwarded addresses" "fwd 203.0.113.7
long $(printf '9%.0s' $(seq 64))
none 127.0.0.1" "$(stored_records | awk -F'\t' '{print $2, $3}' | sort)"

rm -rf "$T/logs"
start_receiver
http_code --data-binary a "$URL/submit/telemetry/v1" > /dev/null
stop_receiver
check_eq "v1 without address" "v1 -" "$(stored_records | awk -F'\t' '{print $2, $3}')"
echo "addresses stored as asked"
