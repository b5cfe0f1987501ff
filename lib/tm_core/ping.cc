#include "tm_core/ping.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#include <span>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "tm_core/text.h"

namespace tm_core {

namespace dom = simdjson::dom;

const char* RejectName(Reject reason) {
  switch (reason) {
    case Reject::kCorruptedData: return "corrupted_data";
    case Reject::kEmptyData: return "empty_data";
    case Reject::kInvalidPath: return "invalid_path";
    case Reject::kBadJson: return "bad_json";
    case Reject::kBadPayload: return "bad_payload";
    case Reject::kMissingRevision: return "missing_revision";
    case Reject::kUnknownRevision: return "unknown_revision";
  }
  return "unknown";
}

bool RejectHasJsonPayload(Reject reason) {
  return reason != Reject::kCorruptedData && reason != Reject::kEmptyData &&
         reason != Reject::kBadJson;
}

namespace {

// --- compact JSON out of a parsed document ------------------------------------

// Writes a double as compact JSON at `p` and returns the end (40 bytes at
// most): as std::to_chars writes it, kept a double: "3.0" must not come back
// as the integer 3.
char* WriteDouble(double x, char* p) {
  char* end = std::to_chars(p, p + 32, x).ptr;
  if (std::string_view(p, end - p).find_first_of(".eEn") == std::string_view::npos) {
    *end++ = '.';
    *end++ = '0';
  }
  return end;
}

// A number element, as AppendJson writes it; integers as they are.
char* WriteNumber(dom::element e, char* p) {
  switch (e.type()) {
    case dom::element_type::INT64:
      return std::to_chars(p, p + 24, e.get_int64().value_unsafe()).ptr;
    case dom::element_type::UINT64:
      return std::to_chars(p, p + 24, e.get_uint64().value_unsafe()).ptr;
    default:
      return WriteDouble(e.get_double().value_unsafe(), p);
  }
}

// --- numbers as written ---------------------------------------------------------

// What a number token is, when it is one that simdjson reads exactly as we do
// (its JSON grammar, and a range where it is an int64 or a normal double):
// integers of up to 18 digits but "-0" (simdjson reads an int64 0), and
// decimals of up to 19 digits with an exponent of up to 2. Anything else is
// left to simdjson (kOther), however valid it may be.
enum class NumberText { kOther, kInteger, kDecimal };

NumberText ClassifyNumberText(std::string_view t) {
  auto digit = [](char c) { return static_cast<unsigned char>(c - '0') < 10; };
  const char* p = t.data();
  const char* const end = p + t.size();
  const bool negative = p != end && *p == '-';
  p += negative;
  const char* const int_begin = p;
  while (p != end && digit(*p)) ++p;
  const size_t int_digits = static_cast<size_t>(p - int_begin);
  if (int_digits == 0 || (*int_begin == '0' && int_digits > 1)) return NumberText::kOther;
  if (p == end) {  // "-0" is an int64 0 to simdjson
    return int_digits <= 18 && !(negative && *int_begin == '0') ? NumberText::kInteger
                                                                : NumberText::kOther;
  }
  size_t digits = int_digits;
  if (*p == '.') {
    const char* const frac_begin = ++p;
    while (p != end && digit(*p)) ++p;
    if (p == frac_begin) return NumberText::kOther;
    digits += static_cast<size_t>(p - frac_begin);
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    const char* const exp_begin = p;
    while (p != end && digit(*p)) ++p;
    if (p == exp_begin || p - exp_begin > 2) return NumberText::kOther;
  }
  return p == end && digits <= 19 ? NumberText::kDecimal : NumberText::kOther;
}

// Whether t is 1 to 16 ASCII digits, with one compare and no branch per
// byte (a loop's exit on numbers of varying length is what costs). Reads 16
// bytes at t.data(), which must be readable (a padded payload).
inline bool AllDigits16(std::string_view t) {
  const size_t n = t.size();
  if (n == 0 || n > 16) return false;
#ifdef __SSE2__
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data()));
  const __m128i digits = _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8('0' - 1)),
                                       _mm_cmplt_epi8(bytes, _mm_set1_epi8('9' + 1)));
  const unsigned all = (1u << n) - 1;
  return (static_cast<unsigned>(_mm_movemask_epi8(digits)) & all) == all;
#else
  for (char c : t) {
    if (c < '0' || c > '9') return false;
  }
  return true;
#endif
}

// The value of 1 to 8 digits (AllDigits16) at p, without a loop: the digits
// moved to the top of a word (zero bytes before them read as 0s), then
// combined in pairs, fours and eights. Reads 8 bytes at p.
inline uint64_t Digits8(const char* p, size_t n) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  v <<= 8 * (8 - n);  // little-endian: the first digit is the low byte
  v = (v & 0x0F0F0F0F0F0F0F0Full) * 2561 >> 8;
  v = (v & 0x00FF00FF00FF00FFull) * 6553601 >> 16;
  return (v & 0x0000FFFF0000FFFFull) * 42949672960001ull >> 32;
}

// ClassifyNumberText, quicker for what most numbers in pings are: up to 16
// digits. Reads 16 bytes at t.data() (AllDigits16).
inline NumberText ClassifyNumber(std::string_view t) {
  if (AllDigits16(t))
    return t[0] != '0' || t.size() == 1 ? NumberText::kInteger : NumberText::kOther;
  return ClassifyNumberText(t);
}

// A number token ClassifyNumber accepted, written as WriteNumber writes the
// element simdjson makes of it: an integer is already as to_chars writes it;
// a decimal reads back as the same double (both read correctly rounded).
char* WriteNumberText(std::string_view t, NumberText kind, char* p) {
  if (kind == NumberText::kInteger) {
    std::memcpy(p, t.data(), t.size());
    return p + t.size();
  }
  double x = 0;
  std::from_chars(t.data(), t.data() + t.size(), x);
  return WriteDouble(x, p);
}

void AppendJson(dom::element e, std::string* out) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      for (dom::key_value_pair field : dom::object(e)) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(field.key, out);
        out->push_back(':');
        AppendJson(field.value, out);
      }
      out->push_back('}');
      return;
    }
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (dom::element item : dom::array(e)) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case dom::element_type::STRING: AppendJsonString(std::string_view(e), out); return;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      char buf[40];
      out->append(buf, WriteNumber(e, buf) - buf);
      return;
    }
    case dom::element_type::BOOL: out->append(bool(e) ? "true" : "false"); return;
    case dom::element_type::NULL_VALUE: out->append("null"); return;
  }
}

// Writes the members of an object one by one, commas between.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  std::string* Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(key, out_);
    out_->push_back(':');
    return out_;
  }
  void Member(std::string_view key, dom::element value) { AppendJson(value, Key(key)); }
  void Close() { out_->push_back('}'); }

 private:
  std::string* out_;
  bool first_ = true;
};

// --- lookups --------------------------------------------------------------------

std::optional<dom::element> Field(dom::element object, std::string_view key) {
  dom::element value;
  if (!object.is_object() || dom::object(object).at_key(key).get(value)) return std::nullopt;
  return value;
}

std::optional<dom::element> Path(dom::element e, std::initializer_list<std::string_view> keys) {
  std::optional<dom::element> at = e;
  for (std::string_view key : keys) {
    if (!at || !(at = Field(*at, key))) return std::nullopt;
  }
  return at;
}

std::optional<std::string_view> StringField(dom::element object, std::string_view key) {
  auto value = Field(object, key);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string_view(*value);
}

// The first member of `object` whose name is among `keys` and comes twice, or
// empty. A ping that gives one of the fields we read twice is ambiguous: which
// one counts would depend on the reader.
std::string_view DuplicateKey(dom::element object, std::initializer_list<std::string_view> keys) {
  uint32_t seen = 0;
  for (dom::key_value_pair member : dom::object(object)) {
    uint32_t bit = 1;
    for (std::string_view key : keys) {
      if (member.key == key) {
        if (seen & bit) return key;
        seen |= bit;
      }
      bit <<= 1;
    }
  }
  return {};
}

// A bucket key: the decimal lower bound of a bucket.
bool ParseBucketKey(std::string_view key, int64_t* value) {
  if (key.empty() || key.size() > 18) return false;  // 18 digits never overflow
  int64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

// ParseBucketKey for a key in a padded payload (AllDigits16 reads 16 bytes
// at its start): most keys are a few digits, read without a loop.
inline bool ParseBucketKeyPadded(std::string_view key, int64_t* value) {
  if (key.size() <= 8 && AllDigits16(key)) {
    *value = static_cast<int64_t>(Digits8(key.data(), key.size()));
    return true;
  }
  return ParseBucketKey(key, value);
}

// The first byte of `s` from `from` on that is a space or a control character, or npos.
size_t FindSpaceOrControl(std::string_view s, size_t from) {
  size_t i = from;
#ifdef __SSE2__
  const __m128i space = _mm_set1_epi8(0x20);
  auto spaces = [&](size_t at) {  // 0xff for each byte up to 0x20 of the 16 at `at`
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    return _mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space);
  };
  // Most of a ping has none: 64 bytes a test, then the 16 that hold it.
  for (; i + 64 <= s.size(); i += 64) {
    __m128i any = _mm_or_si128(_mm_or_si128(spaces(i), spaces(i + 16)),
                               _mm_or_si128(spaces(i + 32), spaces(i + 48)));
    if (_mm_movemask_epi8(any)) break;
  }
  for (; i + 16 <= s.size(); i += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Unsigned bytes up to 0x20 are those whose maximum with 0x20 is 0x20.
    int found = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space));
    if (found) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(found)));
  }
#endif
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) <= 0x20) return i;
  }
  return std::string_view::npos;
}

// Whether `json`, just parsed by `parser`, has no whitespace outside its
// strings, so that minifying it would change nothing. Pings come compact from
// Firefox, and minifying costs as much as the parse; this costs a scan for
// spaces. After a successful parse, a tab, CR or LF can only be whitespace
// (JSON strings hold none raw), and a run of spaces is outside the strings
// exactly when the byte after it is one of the parser's structural indexes
// (where every token starts) or the end. simdjson keeps those indexes in its
// implementation, public "for benchmarking access"; without them, no claim.
bool IsCompact(const dom::parser& parser, std::string_view json) {
  const auto* stage1 = parser.implementation.get();
  if (!stage1 || stage1->n_structural_indexes == 0 || !stage1->structural_indexes) return false;
  const uint32_t* tokens = stage1->structural_indexes.get();
  const uint32_t* tokens_end = tokens + stage1->n_structural_indexes;
  for (size_t at = FindSpaceOrControl(json, 0); at != std::string_view::npos;
       at = FindSpaceOrControl(json, at)) {
    if (json[at] != ' ') return false;
    at = json.find_first_not_of(' ', at);
    if (at == std::string_view::npos) return false;
    tokens = std::lower_bound(tokens, tokens_end, static_cast<uint32_t>(at));  // `at` only grows
    if (tokens != tokens_end && *tokens == at) return false;
  }
  return true;
}

// The statistics of a classic histogram, in the order its compact form lists them.
constexpr std::string_view kStatistics[] = {"sum", "log_sum", "log_sum_squares", "sum_squares_lo",
                                            "sum_squares_hi"};
inline int StatisticIndex(std::string_view key) {
  // By length first, compared with memcmp of a constant size (no library
  // call): this runs for every member of every histogram. The indexes are
  // those of kStatistics.
  switch (key.size()) {
    case 3:
      return std::memcmp(key.data(), "sum", 3) == 0 ? 0 : -1;
    case 7:
      return std::memcmp(key.data(), "log_sum", 7) == 0 ? 1 : -1;
    case 15:
      return std::memcmp(key.data(), "log_sum_squares", 15) == 0 ? 2 : -1;
    case 14:
      if (std::memcmp(key.data(), "sum_squares_", 12) != 0) return -1;
      if (key[12] == 'l' && key[13] == 'o') return 3;
      if (key[12] == 'h' && key[13] == 'i') return 4;
      return -1;
    default:
      return -1;
  }
}

// --- the histograms of a classic ping, read from stage 1 -------------------------
//
// Most of a classic ping is its "histograms" member, and most of the time of
// its DOM parse (simdjson's stage 2, which writes every value to a tape) and of
// the walk over that DOM goes there. Its shape is regular, so it is read here
// straight from stage 1's structural indexes, which is checking it as JSON as
// well; the rest of the ping, with "histograms":{} in its place, still goes
// through the DOM. Only what Firefox writes is read: member names without a
// backslash, numbers as ClassifyNumber takes them, {name: {"values": {key:
// count}, other: number or [numbers]}} or {name: [numbers]}. Anything else
// makes Read return false, and the ping is checked the DOM way; so does any
// ping the checker rejects after reading it so (PingChecker::Check).
//
// In a compact payload (no whitespace outside strings) every token ends where
// the next structural index begins, so a string's closing quote is the byte
// before it, and a number is the bytes up to it.
class StageOneHistograms {
 public:
  struct Histogram {
    std::string_view name;
    uint32_t first_token = 0, end_token = 0;      // its value, as structural indexes [first, end)
    bool compact = false;                         // an array (the converted form), else an object
    uint32_t entries = 0;                         // compact: the array's length
    uint32_t buckets_begin = 0, buckets_end = 0;  // classic: its values, in buckets()
    std::string_view statistics[std::size(kStatistics)];  // classic: the last of each, if a number
    NumberText statistic_kinds[std::size(kStatistics)] = {};  // as ClassifyNumber found them
  };

  // Reads the top-level "histograms" member of `json` (compact, just through
  // stage 1, which left `n` structural indexes at `tokens`). False if there is
  // none, or anything about it or the members before it is not as above.
  // Views point into `json`; the tokens must stay there for AppendValue.
  bool Read(std::string_view json, const uint32_t* tokens, uint32_t n) {
    json_ = json, tokens_ = tokens, n_ = n;
    next_backslash_ = 0;
    histograms_.clear();
    buckets_.clear();
    if (Char(0) != '{' || Char(1) == '}') return false;
    uint32_t k = 1;
    for (;;) {  // to the top-level "histograms", skipping the members before it
      std::string_view key;
      if (!Key(k, &key)) return false;
      k += 2;
      if (key == "histograms") break;
      if (Char(k) == '{' || Char(k) == '[') {
        int depth = 0;
        do {
          const char c = Char(k++);
          depth += (c == '{' || c == '[') - (c == '}' || c == ']');
        } while (depth > 0 && k < n_);
        if (depth != 0) return false;
      } else {
        ++k;
      }
      if (Char(k++) != ',') return false;
    }
    const uint32_t first = k;
    if (Char(k++) != '{') return false;
    if (Char(k) == '}') {
      ++k;
    } else {
      for (;;) {
        Histogram h;
        if (!Key(k, &h.name)) return false;
        k += 2;
        h.first_token = k;
        if (Char(k) == '[') {
          h.compact = true;
          if (!Numbers(&k, &h.entries)) return false;
        } else if (!Classic(&k, &h)) {
          return false;
        }
        h.end_token = k;
        histograms_.push_back(h);
        const char c = Char(k++);
        if (c == '}') break;
        if (c != ',') return false;
      }
    }
    begin_ = tokens_[first];
    end_ = tokens_[k - 1] + 1;
    return true;
  }

  const std::vector<Histogram>& histograms() const { return histograms_; }
  struct Bucket {
    std::string_view key;
    int64_t lower;  // the key as ParseBucketKey reads it, or -1
    uint64_t count;
  };
  const std::vector<Bucket>& buckets() const { return buckets_; }
  // Where the section's value is in `json`: [begin, end).
  size_t begin() const { return begin_; }
  size_t end() const { return end_; }

  // Appends a histogram's value as AppendJson writes the element simdjson
  // makes of it: names escaped as JSON strings, numbers as WriteNumber writes them.
  void AppendValue(const Histogram& h, std::string* out) const {
    for (uint32_t k = h.first_token; k < h.end_token; ++k) {
      const char c = Char(k);
      if (c == '"') {
        AppendJsonString(String(k), out);
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[40];
        std::string_view t = Token(k);
        out->append(buf, WriteNumberText(t, ClassifyNumber(t), buf) - buf);
      } else {
        out->push_back(c);
      }
    }
  }

 private:
  char Char(uint32_t k) const { return k < n_ ? json_[tokens_[k]] : '\0'; }
  std::string_view Token(uint32_t k) const {
    return json_.substr(tokens_[k], tokens_[k + 1] - tokens_[k]);
  }
  std::string_view String(uint32_t k) const {
    return json_.substr(tokens_[k] + 1, tokens_[k + 1] - tokens_[k] - 2);
  }

  // A member name at k and the colon after it.
  bool Key(uint32_t k, std::string_view* key) {
    if (k + 2 >= n_ || Char(k) != '"' || Char(k + 1) != ':') return false;
    const uint32_t close = tokens_[k + 1] - 1;
    if (close <= tokens_[k] || json_[close] != '"') return false;
    *key = String(k);
    // Backslashes are rare: found one memchr at a time, not one per name.
    if (close > next_backslash_) {
      if (std::memchr(key->data(), '\\', key->size())) return false;
      const void* next = std::memchr(json_.data() + close, '\\', json_.size() - close);
      next_backslash_ =
          next ? static_cast<size_t>(static_cast<const char*>(next) - json_.data()) : json_.size();
    }
    return true;
  }
  NumberText Number(uint32_t k, std::string_view* text) const {
    if (k + 1 >= n_) return NumberText::kOther;
    *text = Token(k);
    return ClassifyNumber(*text);
  }
  // An array of numbers at *k; *k goes past it.
  bool Numbers(uint32_t* k, uint32_t* count) const {
    ++*k;  // [
    if (Char(*k) == ']') {
      ++*k;
      return true;
    }
    for (;;) {
      std::string_view t;
      if (Number(*k, &t) == NumberText::kOther) return false;
      ++*count;
      const char c = Char(++*k);
      ++*k;
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }
  // A classic histogram object at *k; *k goes past it.
  bool Classic(uint32_t* k, Histogram* h) {
    if (Char(*k) != '{' || Char(*k + 1) == '}') return false;  // no "values": the DOM way says so
    ++*k;
    bool values = false;
    for (;;) {
      std::string_view key;
      if (!Key(*k, &key)) return false;
      *k += 2;
      if (key.size() == 6 && std::memcmp(key.data(), "values", 6) == 0) {
        if (values || !Values(k, h)) return false;
        values = true;
      } else if (Char(*k) == '[') {
        uint32_t count = 0;
        if (!Numbers(k, &count)) return false;
        if (int i = StatisticIndex(key); i >= 0) h->statistics[i] = {};  // not a number: -1
      } else {
        std::string_view t;
        const NumberText kind = Number(*k, &t);
        if (kind == NumberText::kOther) return false;
        ++*k;
        if (int i = StatisticIndex(key); i >= 0) h->statistics[i] = t, h->statistic_kinds[i] = kind;
      }
      const char c = Char((*k)++);
      if (c == '}') return values;
      if (c != ',') return false;
    }
  }
  // A "values" object at *k: bucket keys and counts (integers of up to 18 digits).
  bool Values(uint32_t* k, Histogram* h) {
    if (Char(*k) != '{') return false;
    ++*k;
    h->buckets_begin = static_cast<uint32_t>(buckets_.size());
    if (Char(*k) == '}') {
      ++*k;
    } else {
      for (;;) {
        std::string_view key;
        if (!Key(*k, &key)) return false;
        *k += 2;
        // A count: digits (no leading zero), at most 18 of them, as ClassifyNumber takes integers.
        if (*k + 1 >= n_) return false;
        const std::string_view t = Token(*k);
        if (t.empty() || t.size() > 18 || (t[0] == '0' && t.size() > 1)) return false;
        uint64_t count = 0;
        if (t.size() <= 8 && AllDigits16(t)) {
          count = Digits8(t.data(), t.size());
        } else {
          for (char d : t) {
            if (d < '0' || d > '9') return false;
            count = count * 10 + static_cast<uint64_t>(d - '0');
          }
        }
        int64_t lower;
        if (!ParseBucketKeyPadded(key, &lower)) lower = -1;
        buckets_.push_back({key, lower, count});
        const char c = Char(++*k);
        ++*k;
        if (c == '}') break;
        if (c != ',') return false;
      }
    }
    h->buckets_end = static_cast<uint32_t>(buckets_.size());
    return true;
  }

  std::string_view json_;
  const uint32_t* tokens_ = nullptr;
  uint32_t n_ = 0;
  size_t next_backslash_ = 0;  // none before it
  std::vector<Histogram> histograms_;
  std::vector<Bucket> buckets_;
  size_t begin_ = 0, end_ = 0;
};

// The old server's info fields of a unified ping, from where they live now.
struct InfoSource {
  const char* info_name;
  std::initializer_list<std::string_view> path;
};
const InfoSource kApplicationInfo[] = {
    {"appName", {"name"}},          {"appUpdateChannel", {"channel"}},
    {"appVersion", {"version"}},    {"appBuildID", {"buildId"}},
    {"arch", {"architecture"}},     {"platformVersion", {"platformVersion"}},
    {"xpcomAbi", {"xpcomAbi"}},     {"vendor", {"vendor"}},
};
const InfoSource kEnvironmentInfo[] = {
    {"appID", {"build", "applicationId"}},
    {"platformBuildID", {"build", "buildId"}},
    {"cpucount", {"system", "cpu", "count"}},
    {"memsize", {"system", "memoryMB"}},
    {"device", {"system", "device", "model"}},
    {"manufacturer", {"system", "device", "manufacturer"}},
    {"hardware", {"system", "device", "hardware"}},
    {"tablet", {"system", "device", "isTablet"}},
    {"locale", {"settings", "locale"}},
    {"OS", {"system", "os", "name"}},
    {"version", {"system", "os", "version"}},
    {"kernel_version", {"system", "os", "kernelVersion"}},
    {"D2DEnabled", {"system", "gfx", "D2DEnabled"}},
    {"DWriteEnabled", {"system", "gfx", "DWriteEnabled"}},
    {"DWriteVersion", {"system", "gfx", "DWriteVersion"}},
    {"profileHDDModel", {"system", "hdd", "profile", "model"}},
    {"profileHDDRevision", {"system", "hdd", "profile", "revision"}},
    {"binHDDModel", {"system", "hdd", "binary", "model"}},
    {"binHDDRevision", {"system", "hdd", "binary", "revision"}},
    {"winHDDModel", {"system", "hdd", "system", "model"}},
    {"winHDDRevision", {"system", "hdd", "system", "revision"}},
    {"activeExperiment", {"addons", "activeExperiment", "id"}},
    {"activeExperimentBranch", {"addons", "activeExperiment", "branch"}},
    {"persona", {"addons", "theme", "id"}},
};
const InfoSource kAdapterInfo[] = {
    {"adapterDescription", {"description"}}, {"adapterVendorID", {"vendorID"}},
    {"adapterDeviceID", {"deviceID"}},       {"adapterSubsysID", {"subsysID"}},
    {"adapterRAM", {"RAM"}},                 {"adapterDriver", {"driver"}},
    {"adapterDriverVersion", {"driverVersion"}}, {"adapterDriverDate", {"driverDate"}},
};

// An info object being rebuilt: members in order, each name once, values as JSON.
class InfoBuilder {
 public:
  bool Has(std::string_view key) const {
    for (const auto& m : members_)
      if (m.first == key) return true;
    return false;
  }
  void Set(std::string key, std::string json) { members_.emplace_back(std::move(key), std::move(json)); }
  void SetElement(std::string key, dom::element value) {
    std::string json;
    AppendJson(value, &json);
    Set(std::move(key), std::move(json));
  }
  // The old converter's rule: a field already there goes in as "environment.<field>".
  void AddFrom(dom::element section, std::span<const InfoSource> sources, std::string_view suffix = "") {
    for (const InfoSource& source : sources) {
      auto value = Path(section, source.path);
      if (!value || value->is_null()) continue;
      std::string key = std::string(source.info_name) + std::string(suffix);
      if (Has(key)) key = "environment." + key;
      SetElement(std::move(key), *value);
    }
  }
  void Write(std::string* out) const {
    ObjectWriter w(out);
    for (const auto& [key, json] : members_) w.Key(key)->append(json);
    w.Close();
  }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

// Where a histogram is, for messages: put into words only when one is needed.
struct HistogramName {
  std::string_view section;  // "histograms"
  std::string_view name;
  std::string_view key;  // of a keyed histogram
  std::string Text() const {
    std::string text = std::string(section) + "." + std::string(name);
    if (!key.empty()) text += "[\"" + std::string(key) + "\"]";
    return text;
  }
};

}  // namespace

// --- the checker ------------------------------------------------------------------

struct PingChecker::Impl {
  SpecCache* specs;
  const RevisionMap* revisions;
  dom::parser parser;
  // Classic pings whose histograms stage 1 could read (StageOneHistograms):
  // the rest of the ping, with "histograms":{}, is parsed by a parser of its
  // own, so that the first one keeps the structural indexes the histograms
  // are read from.
  bool stage_one_enabled = true;
  uint64_t stage_one_count = 0;
  bool stage_one_ = false;  // this run reads the histograms from stage_one_histograms_
  StageOneHistograms stage_one_histograms_;
  std::string rest_;
  dom::parser rest_parser_;
  std::string out;  // the converted payload being written
  std::vector<uint64_t> counts_;  // of the histogram being converted
  std::vector<char> scratch_;
  std::string original_;   // a payload as it came, when it had to be compacted
  bool compacted_ = false;
  Findings* findings = nullptr;
  Verdict verdict;

  bool Fail(Reject reason, std::string detail) {
    verdict.valid = false;
    verdict.reason = reason;
    verdict.detail = std::move(detail);
    return false;
  }

  // The spec for a ping's revision: from the payload, else from the map.
  bool FindSpec(std::optional<std::string_view> revision, std::string_view channel,
                std::string_view build_id, std::string_view where,
                std::shared_ptr<const Spec>* spec) {
    std::string_view url = revision ? *revision : std::string_view();
    std::string source(where);
    if (url.empty() && revisions) {
      url = revisions->Find(channel, build_id);
      source = "revision map (" + source + " is missing)";
    }
    if (url.empty())
      return Fail(Reject::kMissingRevision,
                  std::string(where) + " is missing, and no revision map rule matches channel \"" +
                      std::string(channel) + "\", build " + std::string(build_id));
    Status s = specs->Get(url, spec);
    if (!s.ok()) return Fail(Reject::kUnknownRevision, source + " " + std::string(url) + ": " + s.message());
    return true;
  }

  // The rules for one bucket of a classic histogram, whatever read it: its key
  // must be the decimal lower bound of a bucket of the definition (the index
  // of which goes to *index), its count a non-negative integer. `hint` carries
  // the last index from one bucket to the next.
  // `lower` is the key as ParseBucketKey reads it, or -1 if it does not.
  bool BucketKey(const HistogramName& where, std::string_view key, int64_t lower,
                 const HistogramDefinition& def, size_t* hint, int* index) {
    const std::vector<int64_t>& buckets = def.buckets;
    *index = -1;
    if (lower >= 0) {
      // Firefox lists buckets in ascending order: look next to the last one
      // first, a few steps only: keys out of order must not make this quadratic.
      size_t h = *hint;
      for (size_t steps = 0; steps < 8 && h < buckets.size() && buckets[h] < lower; ++steps) ++h;
      *index =
          h < buckets.size() && buckets[h] == lower ? static_cast<int>(h) : def.BucketIndex(lower);
      if (*index >= 0) *hint = static_cast<size_t>(*index);
    }
    if (*index < 0)
      return Fail(Reject::kBadPayload, where.Text() + ".values: \"" + std::string(key) +
                                           "\" is not a bucket lower bound of its definition");
    return true;
  }
  bool BadCount(const HistogramName& where, std::string_view key) {
    return Fail(Reject::kBadPayload, where.Text() + ".values[\"" + std::string(key) +
                                         "\"]: not a non-negative integer count");
  }

  // Appends the compact form of a classic histogram: counts_, then the five
  // statistics, each written by write_statistic(i, p) (returning the end, 40
  // bytes at most) or -1 when it returns null.
  template <typename WriteStatistic>
  void WriteConverted(WriteStatistic&& write_statistic, std::string* out) {
    // The counts are most of the output: written into a buffer with the
    // statistics, appended at once.
    const size_t most = counts_.size() * 21 + 1 + std::size(kStatistics) * 41 + 1;
    if (scratch_.size() < most) scratch_.resize(most);
    char* p = scratch_.data();
    *p++ = '[';
    for (uint64_t count : counts_) {
      if (count == 0) {  // most buckets
        std::memcpy(p, "0,", 2);
        p += 2;
      } else {
        p = std::to_chars(p, p + 20, count).ptr;
        *p++ = ',';
      }
    }
    for (size_t i = 0; i < std::size(kStatistics); ++i) {
      if (i) *p++ = ',';
      if (char* end = write_statistic(i, p)) {
        p = end;
      } else {
        std::memcpy(p, "-1", 2);
        p += 2;
      }
    }
    *p++ = ']';
    out->append(scratch_.data(), p - scratch_.data());
  }

  // One histogram in the classic object form; `out` gets its compact array.
  bool CheckClassic(const HistogramName& where, dom::element h, const HistogramDefinition& def,
                    std::string* out) {
    // One pass over the histogram's members finds the values and the statistics
    // (the last of each name counts).
    std::optional<dom::element> values;
    std::optional<dom::element> statistics[std::size(kStatistics)];
    for (dom::key_value_pair member : dom::object(h)) {
      if (member.key == "values") {
        values = member.value;
      } else if (int i = StatisticIndex(member.key); i >= 0) {
        statistics[i] = member.value;
      }
    }
    if (!values || !values->is_object())
      return Fail(Reject::kBadPayload, where.Text() + ": no \"values\" object");
    if (out) counts_.assign(def.buckets.size(), 0);
    size_t hint = 0;
    for (dom::key_value_pair bucket : dom::object(*values)) {
      int64_t lower;
      if (!ParseBucketKey(bucket.key, &lower)) lower = -1;
      int index;
      if (!BucketKey(where, bucket.key, lower, def, &hint, &index)) return false;
      uint64_t count;
      if (bucket.value.get_uint64().get(count)) return BadCount(where, bucket.key);  // also 1.0
      if (out) counts_[index] = count;
    }
    if (out) {
      WriteConverted(
          [&](size_t i, char* p) -> char* {
            return statistics[i] && statistics[i]->is_number() ? WriteNumber(*statistics[i], p)
                                                               : nullptr;
          },
          out);
    }
    return true;
  }

  // One histogram already converted: an array of buckets and five statistics.
  bool CheckCompact(const HistogramName& where, dom::element h, const HistogramDefinition& def) {
    if (!h.is_array()) return Fail(Reject::kBadPayload, where.Text() + ": not an array");
    size_t size = 0;
    for (dom::element item : dom::array(h)) {
      if (!item.is_number()) return Fail(Reject::kBadPayload, where.Text() + ": holds a non-number");
      ++size;
    }
    return CompactSize(where, size, def);
  }
  bool CompactSize(const HistogramName& where, size_t size, const HistogramDefinition& def) {
    if (size != def.buckets.size() + 5)
      return Fail(Reject::kBadPayload, where.Text() + ": " + std::to_string(size) +
                                           " entries, its definition has " +
                                           std::to_string(def.buckets.size()) + " buckets + 5 statistics");
    return true;
  }

  // Pings of one build name their histograms in the same order, so each name is
  // first compared with the one at its position in the last section of that
  // spec that began with the same name: most lookups cost a comparison instead
  // of a hash and a cache miss. Several builds of one revision (orders that
  // differ) keep a memo each.
  struct SectionMemo {
    std::shared_ptr<const Spec> spec;  // keeps the definitions below alive
    std::string section;               // "histograms", "payload.keyedHistograms", ...
    std::vector<std::pair<std::string, const HistogramDefinition*>> names;
  };
  std::array<SectionMemo, 16> memos_;  // the most recently used first

  SectionMemo& Memo(const std::shared_ptr<const Spec>& spec, std::string_view section, std::string_view first_name) {
    auto found = std::find_if(memos_.begin(), memos_.end(), [&](const SectionMemo& m) {
      return m.spec == spec && m.section == section && !m.names.empty() && m.names[0].first == first_name;
    });
    if (found == memos_.end()) {
      found = memos_.end() - 1;
      *found = SectionMemo{spec, std::string(section), {}};
    }
    std::rotate(memos_.begin(), found, found + 1);
    return memos_.front();
  }

  // The definition a histogram is checked against, or null after noting why
  // there is none (unknown name, unconvertible definition).
  const HistogramDefinition* Definition(SectionMemo& memo, size_t position, std::string_view name) {
    const HistogramDefinition* def;
    if (position < memo.names.size() && memo.names[position].first == name) {
      def = memo.names[position].second;
    } else {
      def = memo.spec->Find(name);
      if (position >= memo.names.size()) memo.names.resize(position + 1);
      memo.names[position] = {std::string(name), def};
    }
    if (!def) {
      findings->unknown_histograms.emplace_back(name);
    } else if (!def->convertible()) {
      findings->unconvertible_histograms.emplace_back(name);
      return nullptr;
    }
    return def;
  }

  // A histograms section ({name: histogram}, or for keyed {name: {key: histogram}});
  // `out`, when given, gets the section converted.
  bool CheckHistograms(std::string_view where, dom::element section, const std::shared_ptr<const Spec>& spec, bool keyed,
                       bool compact, std::string* out) {
    if (!section.is_object()) return Fail(Reject::kBadPayload, std::string(where) + ": not an object");
    std::optional<ObjectWriter> writer;
    if (out) writer.emplace(out);
    dom::object histograms(section);
    if (histograms.begin() == histograms.end()) {
      if (writer) writer->Close();
      return true;
    }
    SectionMemo& memo = Memo(spec, where, (*histograms.begin()).key);
    size_t position = 0;
    for (dom::key_value_pair histogram : histograms) {
      HistogramName name{where, histogram.key, {}};
      const HistogramDefinition* def = Definition(memo, position++, histogram.key);
      std::string* value_out = writer ? writer->Key(histogram.key) : nullptr;
      if (!def) {  // carried through as it came
        if (value_out) AppendJson(histogram.value, value_out);
        continue;
      }
      if (!keyed) {
        if (!CheckOne(name, histogram.value, *def, compact, value_out)) return false;
        continue;
      }
      if (!histogram.value.is_object()) return Fail(Reject::kBadPayload, name.Text() + ": not an object of keys");
      std::optional<ObjectWriter> keys;
      if (value_out) keys.emplace(value_out);
      for (dom::key_value_pair keyed_histogram : dom::object(histogram.value)) {
        std::string* key_out = keys ? keys->Key(keyed_histogram.key) : nullptr;
        name.key = keyed_histogram.key;
        if (!CheckOne(name, keyed_histogram.value, *def, compact, key_out))
          return false;
      }
      if (keys) keys->Close();
    }
    if (writer) writer->Close();
    return true;
  }

  bool CheckOne(const HistogramName& where, dom::element h, const HistogramDefinition& def, bool compact,
                std::string* out) {
    if (compact) {
      if (!CheckCompact(where, h, def)) return false;
      if (out) AppendJson(h, out);
      return true;
    }
    if (!h.is_object()) return Fail(Reject::kBadPayload, where.Text() + ": not an object");
    return CheckClassic(where, h, def, out);
  }

  // The "histograms" of a classic ping: from the DOM, or read in stage 1.
  bool CheckClassicSection(dom::element section, const std::shared_ptr<const Spec>& spec,
                           bool compact, std::string* out) {
    if (!stage_one_) return CheckHistograms("histograms", section, spec, false, compact, out);
    // As CheckHistograms and CheckOne do, over what StageOneHistograms read.
    const StageOneHistograms& read = stage_one_histograms_;
    std::optional<ObjectWriter> writer;
    if (out) writer.emplace(out);
    if (read.histograms().empty()) {
      if (writer) writer->Close();
      return true;
    }
    SectionMemo& memo = Memo(spec, "histograms", read.histograms().front().name);
    size_t position = 0;
    for (const StageOneHistograms::Histogram& h : read.histograms()) {
      HistogramName name{"histograms", h.name, {}};
      const HistogramDefinition* def = Definition(memo, position++, h.name);
      std::string* value_out = writer ? writer->Key(h.name) : nullptr;
      if (!def) {  // carried through as it came
        if (value_out) read.AppendValue(h, value_out);
        continue;
      }
      if (compact) {
        if (!h.compact) return Fail(Reject::kBadPayload, name.Text() + ": not an array");
        if (!CompactSize(name, h.entries, *def)) return false;
        if (value_out) read.AppendValue(h, value_out);
        continue;
      }
      if (h.compact) return Fail(Reject::kBadPayload, name.Text() + ": not an object");
      if (value_out) counts_.assign(def->buckets.size(), 0);
      size_t hint = 0;
      for (uint32_t b = h.buckets_begin; b < h.buckets_end; ++b) {
        const StageOneHistograms::Bucket& bucket = read.buckets()[b];
        int index;
        if (!BucketKey(name, bucket.key, bucket.lower, *def, &hint, &index)) return false;
        if (value_out) counts_[index] = bucket.count;
      }
      if (value_out) {
        WriteConverted(
            [&](size_t i, char* p) -> char* {
              std::string_view t = h.statistics[i];
              return t.empty() ? nullptr : WriteNumberText(t, h.statistic_kinds[i], p);
            },
            value_out);
      }
    }
    if (writer) writer->Close();
    return true;
  }

  // Reads the histograms of `json` in stage 1 and makes rest_, the ping
  // without them; false when the ping is to be checked the DOM way.
  bool ReadStageOne(const std::string& json) {
    if (parser.capacity() < json.size() && parser.allocate(json.size())) return false;
    auto* stage1 = parser.implementation.get();
    if (!stage1 || stage1->stage1(reinterpret_cast<const uint8_t*>(json.data()), json.size(),
                                  simdjson::stage1_mode::regular))
      return false;
    if (!IsCompact(parser, json)) return false;
    StageOneHistograms& read = stage_one_histograms_;
    if (!read.Read(json, stage1->structural_indexes.get(), stage1->n_structural_indexes))
      return false;
    rest_.clear();
    rest_.reserve(json.size() - (read.end() - read.begin()) + 2 + simdjson::SIMDJSON_PADDING);
    rest_.append(json, 0, read.begin());
    rest_.append("{}");
    rest_.append(json, read.end());
    return true;
  }

  // info.<field> of a classic ping as a dimension.
  bool InfoDimensions(dom::element info, bool required, Dimensions* dims) {
    struct {
      const char* name;
      std::string* dim;
    } fields[] = {{"reason", &dims->reason},
                  {"appName", &dims->app_name},
                  {"appVersion", &dims->app_version},
                  {"appUpdateChannel", &dims->app_update_channel},
                  {"appBuildID", &dims->app_build_id}};
    for (auto& f : fields) {
      auto value = StringField(info, f.name);
      if (value) {
        f.dim->assign(*value);
      } else if (required) {
        return Fail(Reject::kBadPayload, std::string("info.") + f.name + ": missing or not a string");
      }
    }
    return true;
  }

  bool HasEntries(std::optional<dom::element> section) {
    return section && section->is_object() && dom::object(*section).size() > 0;
  }

  // ver 1, 2 and 5: the classic ping.
  bool Classic(dom::element doc, int64_t ver, Record* record, bool convert) {
    auto info = Field(doc, "info");
    if (!info || !info->is_object()) return Fail(Reject::kBadPayload, "info: missing or not an object");
    if (!InfoDimensions(*info, ver == 1, &record->dimensions)) return false;
    auto histograms = Field(doc, "histograms");
    std::shared_ptr<const Spec> spec;
    if (stage_one_ ? !stage_one_histograms_.histograms().empty() : HasEntries(histograms)) {
      if (!FindSpec(StringField(*info, "revision"), record->dimensions.app_update_channel,
                    record->dimensions.app_build_id, "info.revision", &spec))
        return false;
    } else if (histograms && !histograms->is_object()) {
      return Fail(Reject::kBadPayload, "histograms: not an object");
    }
    const bool compact = ver != 1;
    if (!convert || compact)
      return !spec || CheckClassicSection(*histograms, spec, compact, nullptr);
    ObjectWriter w(&out);
    for (dom::key_value_pair field : dom::object(doc)) {
      if (field.key == "ver") {
        w.Key("ver")->push_back('2');
      } else if (field.key == "histograms" && spec) {
        if (!CheckClassicSection(field.value, spec, false, w.Key("histograms"))) return false;
      } else {
        w.Member(field.key, field.value);
      }
    }
    w.Close();
    return true;
  }

  // ver 3: Firefox OS 1.3 first-time-use pings, whose info is made up from
  // their "deviceinfo.*" fields as the old converter did.
  bool FirefoxOs(dom::element doc, Record* record, bool convert) {
    auto device = [&](std::string_view key) {
      auto value = StringField(doc, key);
      return std::string(value ? *value : "UNKNOWN");
    };
    Dimensions& d = record->dimensions;
    d = {"ftu", "FirefoxOS", device("deviceinfo.platform_version"), device("deviceinfo.update_channel"),
         device("deviceinfo.platform_build_id")};
    if (!convert) return true;
    ObjectWriter w(&out);
    for (dom::key_value_pair field : dom::object(doc)) {
      if (field.key == "ver" || field.key == "pingID" || field.key == "info") continue;
      w.Member(field.key, field.value);
    }
    InfoBuilder info;
    for (auto [key, value] : {std::pair{"reason", &d.reason}, {"appUpdateChannel", &d.app_update_channel},
                              {"appBuildID", &d.app_build_id}, {"appName", &d.app_name},
                              {"appVersion", &d.app_version}}) {
      std::string json;
      AppendJsonString(*value, &json);
      info.Set(key, std::move(json));
    }
    info.Write(w.Key("info"));
    w.Key("ver")->push_back('2');
    w.Close();
    return true;
  }

  // version 4: unified pings.
  bool Unified(dom::element doc, Record* record, bool convert) {
    auto type = StringField(doc, "type");
    auto application = Field(doc, "application");
    auto payload = Field(doc, "payload");
    if (!type || type->empty()) return Fail(Reject::kBadPayload, "type: missing or not a string");
    if (!application || !application->is_object())
      return Fail(Reject::kBadPayload, "application: missing or not an object");
    if (!payload || !payload->is_object()) return Fail(Reject::kBadPayload, "payload: missing or not an object");
    if (Field(doc, "info")) return Fail(Reject::kBadPayload, "info: a version 4 ping has none of its own");
    Dimensions& d = record->dimensions;
    d.reason.assign(*type);
    for (auto [key, dim] : {std::pair{"name", &d.app_name}, {"version", &d.app_version},
                            {"channel", &d.app_update_channel}, {"buildId", &d.app_build_id}}) {
      auto value = StringField(*application, key);
      if (value) dim->assign(*value);
    }
    const bool main = *type == "main" || *type == "saved-session";
    auto environment = Field(doc, "environment");
    std::optional<dom::element> info, histograms, keyed;
    std::shared_ptr<const Spec> spec;
    if (main) {
      info = Field(*payload, "info");
      histograms = Field(*payload, "histograms");
      keyed = Field(*payload, "keyedHistograms");
      if (!info || !info->is_object()) return Fail(Reject::kBadPayload, "payload.info: missing or not an object");
      if (!histograms || !histograms->is_object())
        return Fail(Reject::kBadPayload, "payload.histograms: missing or not an object");
      if (keyed && !keyed->is_object())
        return Fail(Reject::kBadPayload, "payload.keyedHistograms: not an object");
      if (*type == "saved-session" && (!environment || !environment->is_object()))
        return Fail(Reject::kBadPayload, "environment: missing or not an object (saved-session)");
      if (!FindSpec(StringField(*info, "revision"), d.app_update_channel, d.app_build_id,
                    "payload.info.revision", &spec))
        return false;
    }
    if (!convert) {
      return !spec || (CheckHistograms("payload.histograms", *histograms, spec, false, false, nullptr) &&
                       (!keyed || CheckHistograms("payload.keyedHistograms", *keyed, spec, true, false,
                                                  nullptr)));
    }
    InfoBuilder new_info;
    new_info.AddFrom(*application, kApplicationInfo);
    std::string reason;
    AppendJsonString(*type, &reason);
    new_info.Set("reason", std::move(reason));
    ObjectWriter w(&out);
    if (!main) {  // other types (activation, deletion, ...) only gain info
      for (dom::key_value_pair field : dom::object(doc)) {
        if (field.key == "version") {
          w.Key("version")->push_back('5');
        } else {
          w.Member(field.key, field.value);
        }
      }
      new_info.Write(w.Key("info"));
      w.Close();
      return true;
    }
    // main and saved-session take the classic shape: payload.* lifted to the top.
    for (dom::key_value_pair field : dom::object(doc)) {
      if (field.key == "payload" || field.key == "ver" || field.key == "clientID") continue;
      if (field.key == "version") {
        w.Key("version")->push_back('5');
      } else {
        w.Member(field.key, field.value);
      }
    }
    for (dom::key_value_pair field : dom::object(*payload)) {
      if (field.key == "info") continue;
      if (field.key == "ver") {
        w.Member("payload.ver", field.value);
        continue;
      }
      bool taken = Field(doc, field.key).has_value() || field.key == "clientID";
      std::string key = taken ? "payload." + std::string(field.key) : std::string(field.key);
      if (field.key == "histograms" || field.key == "keyedHistograms") {
        if (!CheckHistograms("payload." + std::string(field.key), field.value, spec,
                             field.key == "keyedHistograms", false, w.Key(key)))
          return false;
      } else {
        w.Member(key, field.value);
      }
    }
    for (dom::key_value_pair field : dom::object(*info)) {
      if (!new_info.Has(field.key)) new_info.SetElement(std::string(field.key), field.value);
    }
    if (environment && environment->is_object()) {
      new_info.AddFrom(*environment, kEnvironmentInfo);
      auto adapters = Path(*environment, {"system", "gfx", "adapters"});
      if (adapters && adapters->is_array()) {
        dom::array list(*adapters);
        if (list.size() > 0) new_info.AddFrom(list.at(0).value_unsafe(), kAdapterInfo);
        if (list.size() > 1) {
          dom::element second = list.at(1).value_unsafe();
          new_info.AddFrom(second, kAdapterInfo, "2");
          auto active = Field(second, "GPUActive");
          bool on = active && active->is_bool() && bool(*active);
          new_info.Set("isGPU2Active", on ? "true" : "false");
        }
      }
    }
    new_info.Write(w.Key("info"));
    auto client_id = Field(doc, "clientId");
    if (client_id) {
      w.Member("clientID", *client_id);
    } else {
      w.Key("clientID")->append("null");
    }
    w.Key("ver")->push_back('5');
    w.Close();
    return true;
  }

  // With `stage_one`, the histograms of a classic ping may be read in stage 1
  // (then stage_one_ is set); the caller checks the ping again the DOM way if
  // it is rejected, so that rejects read as they always have.
  bool Run(Record* record, bool convert, bool stage_one) {
    dom::element doc;
    // The record keeps kJsonPadding bytes of capacity, so this parses in place.
    bool padded = record->payload.capacity() >= record->payload.size() + simdjson::SIMDJSON_PADDING;
    stage_one_ = stage_one && padded && ReadStageOne(record->payload);
    if (stage_one_) {
      if (auto error = rest_parser_.parse(rest_.data(), rest_.size(), false).get(doc))
        return Fail(Reject::kBadJson, simdjson::error_message(error));
    } else if (auto error =
                   parser.parse(record->payload.data(), record->payload.size(), !padded).get(doc)) {
      return Fail(Reject::kBadJson, simdjson::error_message(error));
    }
    if (!doc.is_object()) return Fail(Reject::kBadPayload, "not a JSON object");
    if (!stage_one_ && !IsCompact(parser, record->payload)) {
      // Compacted first (the original is put back if the record is rejected),
      // so that a payload that passes unchanged is passed as it is.
      original_.resize(record->payload.size() + kJsonPadding);
      size_t size = 0;
      if (simdjson::minify(record->payload.data(), record->payload.size(), original_.data(), size))
        return Fail(Reject::kBadJson, "cannot be compacted");
      original_.resize(size);
      original_.reserve(size + kJsonPadding);
      record->payload.swap(original_);
      compacted_ = true;
      if (auto error = parser.parse(record->payload.data(), record->payload.size(), false).get(doc))
        return Fail(Reject::kBadJson, simdjson::error_message(error));
    }
    if (auto key = DuplicateKey(doc, {"ver", "version", "info", "histograms", "type", "application",
                                      "payload", "environment"});
        !key.empty())
      return Fail(Reject::kBadPayload, std::string(key) + ": given twice");
    if (auto payload = Field(doc, "payload"); payload && payload->is_object()) {
      if (auto key = DuplicateKey(*payload, {"info", "histograms", "keyedHistograms"}); !key.empty())
        return Fail(Reject::kBadPayload, "payload." + std::string(key) + ": given twice");
    }
    out.clear();
    bool ok;
    if (auto ver = Field(doc, "ver")) {
      int64_t v = 0;
      if (ver->get_int64().get(v)) return Fail(Reject::kBadPayload, "ver: not an integer");
      if (stage_one_ && v != 1 && v != 2) return Fail(Reject::kBadPayload, "not for stage 1");
      switch (v) {
        case 1:
        case 2:
        case 5: ok = Classic(doc, v, record, convert); break;
        case 3: ok = FirefoxOs(doc, record, convert); break;
        default: return Fail(Reject::kBadPayload, "ver: unknown payload version " + std::to_string(v));
      }
    } else if (auto version = Field(doc, "version")) {
      if (stage_one_) return Fail(Reject::kBadPayload, "not for stage 1");
      int64_t v = 0;
      if (version->get_int64().get(v)) return Fail(Reject::kBadPayload, "version: not an integer");
      if (v == 4) {
        ok = Unified(doc, record, convert);
      } else if (v == 5) {
        auto info = Field(doc, "info");
        if (!info || !info->is_object()) return Fail(Reject::kBadPayload, "info: missing or not an object");
        ok = InfoDimensions(*info, false, &record->dimensions);
      } else {
        return Fail(Reject::kBadPayload, "version: unknown unified ping version " + std::to_string(v));
      }
    } else {
      return Fail(Reject::kBadPayload, "neither \"ver\" nor \"version\": not a telemetry payload");
    }
    if (!ok) return false;
    if (out.empty()) {  // valid and unchanged (compacted, numbers kept as written)
      record->payload.reserve(record->payload.size() + kJsonPadding);  // as a converted one has
      return true;
    }
    out.reserve(out.size() + kJsonPadding);
    record->payload.swap(out);
    return true;
  }
};

PingChecker::PingChecker(SpecCache* specs, const RevisionMap* revisions)
    : impl_(std::make_unique<Impl>()) {
  impl_->specs = specs;
  impl_->revisions = revisions;
}

PingChecker::~PingChecker() = default;

Verdict PingChecker::Check(Record* record, bool convert, Findings* findings) {
  Impl& impl = *impl_;
  impl.verdict = Verdict();
  impl.findings = findings;
  impl.compacted_ = false;
  const size_t unknown = findings->unknown_histograms.size();
  const size_t unconvertible = findings->unconvertible_histograms.size();
  Dimensions dimensions = record->dimensions;
  impl.Run(record, convert, impl.stage_one_enabled);
  if (!impl.verdict.valid && impl.stage_one_) {
    // Whatever is wrong, the DOM way finds it first and says it as it always has.
    impl.verdict = Verdict();
    findings->unknown_histograms.resize(unknown);
    findings->unconvertible_histograms.resize(unconvertible);
    record->dimensions = std::move(dimensions);
    impl.Run(record, convert, false);
  }
  if (impl.verdict.valid && impl.stage_one_) ++impl.stage_one_count;
  if (!impl.verdict.valid && impl.compacted_) record->payload.swap(impl.original_);
  return std::move(impl.verdict);
}

void PingChecker::set_stage_one_histograms(bool on) { impl_->stage_one_enabled = on; }
uint64_t PingChecker::stage_one_count() const { return impl_->stage_one_count; }

}  // namespace tm_core
