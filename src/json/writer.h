// The one writer of JSON text in the project: the CLI's machine-readable output, the monitor's and the kyc
// module's exports and stored records, and the server's responses (Binance-style and native).
//
// Contract: the caller opens and closes objects and arrays in matching pairs, gives every value inside an object
// a key first, and writes one value at the top level. The writer inserts the commas and checks the structure with
// QZ_ASSERT (on in release): a mismatched close, a key outside an object, a value without its key or a second top
// level value is a programmer error. Output is one line without spaces.
//
// Strings are escaped: quote and backslash with a backslash, newline and tab as \n and \t, every other byte below
// 0x20 as \u00XX (lower-case hex). All other bytes are copied as they are, so UTF-8 passes through unchanged (and
// unchecked: the caller passes valid UTF-8).
//
// Numbers are integers only (8 to 64 bits, signed or unsigned). There is no floating point anywhere: an amount or
// a price is decimal text ("1250.00", "-0.00012345") written as a JSON string (Decimal), as the CLI's formats and
// the Binance API do.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "base/byte_scan.h"
#include "base/hex.h"

namespace qz::json {

// A value already written as JSON (by another Writer), copied as it is.
struct Raw {
  std::string_view json;
};

// Decimal text, written as a JSON string. Holds a view: build it inside the call that writes it.
struct Decimal {
  std::string_view text;
};

// An optional '-', one or more digits, optionally a '.' and one or more digits: "0", "-5.00", "0.00012345".
constexpr bool is_decimal_text(std::string_view text) {
  size_t at = text.starts_with('-') ? 1 : 0;
  const auto digits = [&] {
    const size_t from = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') at++;
    return at > from;
  };
  if (!digits()) return false;
  if (at == text.size()) return true;
  if (text[at] != '.') return false;
  at++;
  return digits() && at == text.size();
}

// Integers of up to 64 bits; not bool and not the character types.
template <typename T>
concept Integer = std::is_integral_v<T> && sizeof(T) <= 8 && !std::same_as<T, bool> && !std::same_as<T, char> &&
                  !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> && !std::same_as<T, char16_t> &&
                  !std::same_as<T, char32_t>;

// True when one of the eight bytes of `word` must be escaped: a byte below 0x20, a quote or a backslash
// (base/byte_scan.h: exact for the word as a whole).
constexpr bool any_byte_to_escape(uint64_t word) {
  return byte_scan::any_below(word, 0x20) || byte_scan::any_equal(word, '"') || byte_scan::any_equal(word, '\\');
}

// True when no byte of `text` needs escaping, checked eight bytes at a time (the last few padded with a letter).
inline bool nothing_to_escape(std::string_view text) {
  for (size_t at = 0; at < text.size(); at += 8) {
    if (any_byte_to_escape(byte_scan::load(text, at, 'a'))) return false;
  }
  return true;
}

// Appends `lead` (when not '\0'), then `text` between quotes, then `tail` (when not '\0') to *out, growing it
// once: the path of nearly every key and string an answer writes, which would otherwise be four appends, each
// with its own check of the room left.
inline void append_quoted(std::string* out, char lead, std::string_view text, char tail) {
  const size_t at = out->size();
  out->resize(at + text.size() + 2 + (lead != '\0' ? 1 : 0) + (tail != '\0' ? 1 : 0));
  char* next = out->data() + at;
  if (lead != '\0') *next++ = lead;
  *next++ = '"';
  if (!text.empty()) std::memcpy(next, text.data(), text.size());
  next += text.size();
  *next++ = '"';
  if (tail != '\0') *next = tail;
}

// Appends `text` to *out as a JSON string, quotes included, escaped as the file's header says.
inline void append_string(std::string* out, std::string_view text) {
  if (nothing_to_escape(text)) {  // keys, symbols, ids, decimal text: nearly every string written
    append_quoted(out, '\0', text, '\0');
    return;
  }
  out->push_back('"');
  size_t run = 0;  // the start of the bytes not yet copied
  for (size_t at = 0; at < text.size(); at++) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out->append(text.substr(run, at - run));
    run = at + 1;
    if (byte == '"' || byte == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(byte));
    } else if (byte == '\n') {
      out->append("\\n");
    } else if (byte == '\t') {
      out->append("\\t");
    } else {
      out->append("\\u00");
      out->push_back(kHexDigits[byte >> 4]);
      out->push_back(kHexDigits[byte & 0xF]);
    }
  }
  out->append(text.substr(run));
  out->push_back('"');
}

class Writer {
 public:
  // Room for a typical answer (an order with its fills is about 450 bytes) and eight levels, allocated once
  // instead of grown through every doubling.
  Writer() {
    out_.reserve(512);
    frames_.reserve(8);
  }

  Writer& begin_object() { return open(true); }
  Writer& end_object() { return close(true); }
  Writer& begin_array() { return open(false); }
  Writer& end_array() { return close(false); }

  // Inside an object: the key of the next value.
  Writer& key(std::string_view name) {
    QZ_ASSERT_MSG(!frames_.empty() && frames_.back().object, "json: a key outside an object");
    QZ_ASSERT_MSG(!keyed_, "json: two keys in a row");
    keyed_ = true;
    Frame& frame = frames_.back();
    const char comma = frame.empty ? '\0' : ',';
    frame.empty = false;
    if (nothing_to_escape(name)) {
      append_quoted(&out_, comma, name, ':');
      return *this;
    }
    if (comma != '\0') out_.push_back(comma);
    append_string(&out_, name);
    out_.push_back(':');
    return *this;
  }

  Writer& value(std::string_view text) {
    begin_value();
    append_string(&out_, text);
    return *this;
  }
  Writer& value(const char* text) { return value(std::string_view(text)); }
  template <Integer T>
  Writer& value(T number) {
    begin_value();
    char digits[24];  // INT64_MIN is 20 characters
    const std::to_chars_result written = std::to_chars(digits, digits + sizeof digits, number);
    QZ_ASSERT(written.ec == std::errc());
    out_.append(digits, written.ptr);
    return *this;
  }
  // bool itself only: a char, a pointer or a floating-point value does not quietly become true or false.
  template <std::same_as<bool> Bool>
  Writer& value(Bool flag) {
    begin_value();
    out_.append(flag ? "true" : "false");
    return *this;
  }
  Writer& value(std::nullptr_t) { return null(); }
  Writer& value(Decimal decimal) {
    QZ_ASSERT_MSG(is_decimal_text(decimal.text), "json: a Decimal that is not decimal text");
    begin_value();
    append_quoted(&out_, '\0', decimal.text, '\0');
    return *this;
  }
  Writer& value(Raw raw) {
    QZ_ASSERT_MSG(!raw.json.empty(), "json: an empty raw value");
    begin_value();
    out_.append(raw.json);
    return *this;
  }
  Writer& null() {
    begin_value();
    out_.append("null");
    return *this;
  }
  Writer& decimal(std::string_view text) { return value(Decimal{text}); }
  Writer& raw(std::string_view json) { return value(Raw{json}); }

  // key(name) then value(v).
  template <typename T>
  Writer& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // One whole value written: every object and array closed.
  bool complete() const { return root_written_ && frames_.empty(); }
  const std::string& text() const { return out_; }
  // The text, moved out; the writer is left empty, ready for another value. (Not `*this = Writer()`: that would
  // allocate the room for another answer that a writer taken once never writes.)
  std::string take() {
    std::string text = std::move(out_);
    out_.clear();
    frames_.clear();
    keyed_ = false;
    root_written_ = false;
    return text;
  }

 private:
  struct Frame {
    bool object = false;
    bool empty = true;
  };

  Writer& open(bool object) {
    begin_value();
    out_.push_back(object ? '{' : '[');
    frames_.push_back(Frame{.object = object, .empty = true});
    return *this;
  }
  Writer& close(bool object) {
    QZ_ASSERT_MSG(!frames_.empty() && frames_.back().object == object, "json: a close without its open");
    QZ_ASSERT_MSG(!keyed_, "json: a key without a value");
    out_.push_back(object ? '}' : ']');
    frames_.pop_back();
    return *this;
  }
  // The comma before a key or an array element, unless it is the first in its container.
  void separate() {
    Frame& frame = frames_.back();
    if (!frame.empty) out_.push_back(',');
    frame.empty = false;
  }
  void begin_value() {
    if (frames_.empty()) {
      QZ_ASSERT_MSG(!root_written_, "json: a second value at the top level");
      root_written_ = true;
    } else if (frames_.back().object) {
      QZ_ASSERT_MSG(keyed_, "json: a value in an object without a key");
      keyed_ = false;
    } else {
      separate();
    }
  }

  std::string out_;
  std::vector<Frame> frames_;
  bool keyed_ = false;  // a key was written, its value not yet
  bool root_written_ = false;
};

}  // namespace qz::json
