// Small text helpers shared by every tool that prints records or writes JSON
// lines: one way to show a time, one way to quote, one way to escape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tm_core {

// Milliseconds since the Unix epoch as ISO 8601 UTC: "2013-08-19T16:53:44.123Z".
std::string FormatTimeMs(uint64_t time_ms);

// The inverse of FormatTimeMs: exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC), years
// 1970-9999. False for anything else.
bool ParseTimeMs(std::string_view text, uint64_t* time_ms);

// Appends `s` as a JSON string literal, quotes included. Bytes that are not
// valid UTF-8 become U+FFFD, so the result is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

// Appends `s` so that it stays on one line and shows every byte: backslash,
// tab, newline and carriage return as \\ \t \n \r, other control bytes and bytes
// that are not valid UTF-8 as \xHH; valid UTF-8 text is kept as it is.
void AppendEscapedLine(std::string_view s, std::string* out);

// The inverse of AppendEscapedLine: replaces *out with `s` unescaped. False on
// an escape AppendEscapedLine never writes.
bool UnescapeLine(std::string_view s, std::string* out);

// The length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace tm_core
