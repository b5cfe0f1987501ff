// S3Store: a Store over an S3 bucket or an S3-compatible server, through
// libcurl, signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4).
//
// Requests are path-style (ENDPOINT/BUCKET/KEY), which every S3-compatible
// server and AWS itself accept. Each carries x-amz-content-sha256, the hex
// SHA-256 of its body (libcurl 7.88 signs with it but does not add it, and S3
// refuses a request without it), and each body Content-MD5. Objects get our
// SHA-256 as metadata (x-amz-meta-sha256), so that a multipart object, whose
// ETag is no MD5 of its bytes, can be compared with a local file too.
//
// The parts that need no network (credentials and config files, key and
// query encoding, the bits of XML S3 answers with) are declared here for
// tests.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tm_core/store.h"

namespace tm_core {

// Credentials and region, resolved as the AWS CLI does:
//   keys:   AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else
//           the profile's section of the shared credentials file
//           (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials), else of
//           the config file (AWS_CONFIG_FILE, default ~/.aws/config);
//   region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the
//           config file, else us-east-1;
//   profile: AWS_PROFILE, AWS_DEFAULT_PROFILE, else "default" ("[NAME]" in
//           the credentials file, "[profile NAME]" or "[NAME]" in the config file).
// Also TM_AWS_SIGV4_DATE (see signing_date).
struct AwsConfig {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
  std::string region;
  std::string credentials_from;  // for messages: "environment", "/root/.aws/credentials [default]"
  // TM_AWS_SIGV4_DATE, "YYYYMMDDTHHMMSSZ": sign every request as made at this
  // time (sent as x-amz-date, which libcurl then signs with). For tests that
  // compare signatures; empty: now.
  std::string signing_date;
};

// Fills *config from the environment and the files it names. InvalidArgument
// when no credentials are found, only half of a key pair is, a file cannot be
// parsed, or TM_AWS_SIGV4_DATE is malformed. A missing file is no error.
Status ResolveAwsConfig(const EnvLookup& env, AwsConfig* config);

// The sections of an INI file as the AWS files write them: "[section]",
// "key = value", '#' and ';' comments, names and values trimmed. Lines indented
// under a key (nested settings such as "s3 =") are skipped. Later duplicates win.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
Status ParseIni(std::string_view text, IniSections* sections);

// Percent-encodes as SigV4 canonicalises: every byte but A-Z a-z 0-9 - . _ ~
// (and '/' when `keep_slash`). libcurl 7.88 signs the path and query exactly
// as given, so they must already be in canonical form.
std::string UriEncode(std::string_view s, bool keep_slash);

// A canonical query string: "k=v" pairs encoded and sorted by key, joined by
// '&'; a parameter without value is "k=" ("uploads=").
std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params);

// The few bits of S3's XML answers we read. S3 sends well-formed XML of a
// fixed shape without CDATA, comments or nested elements of the same name, and
// the project has no XML parser among its dependencies, so elements are found
// by their tags; entities are decoded.

// The contents of each <name>…</name> (or <name/>: empty) in order, not decoded.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);
// The decoded text of the first <name> element; empty if none.
std::string XmlText(std::string_view xml, std::string_view name);
// &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded (UTF-8); an unknown entity is kept as it is.
std::string XmlUnescape(std::string_view s);
std::string XmlEscape(std::string_view s);

// One ListObjectsV2 answer. Keys are full bucket keys.
struct ListPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken
};
// Corruption when the answer is not a ListBucketResult, a size does not parse,
// or it is truncated without a continuation token.
Status ParseListPage(std::string_view xml, ListPage* page);

// The S3 store of a parsed s3:// URL. Fails like ResolveAwsConfig.
Status NewS3Store(const StoreUrl& url, const StoreOptions& options, std::unique_ptr<Store>* store);

}  // namespace tm_core
