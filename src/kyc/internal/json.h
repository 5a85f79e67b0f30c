// A small writer of one-line JSON for the kyc module (records, screenings, holds, reports). Internal.
//
// Objects and arrays are opened and closed in pairs by the caller; commas are inserted. Strings are escaped
// (quote, backslash, control characters); other bytes are copied, so UTF-8 passes through. Integers only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qz::kyc::internal {

class Json {
 public:
  Json& open_object() { return open('{'); }
  Json& close_object() { return close('}'); }
  Json& open_array() { return open('['); }
  Json& close_array() { return close(']'); }

  Json& key(std::string_view name) {
    separate();
    quote(name);
    text_ += ':';
    keyed_ = true;
    return *this;
  }
  Json& str(std::string_view value) {
    separate();
    quote(value);
    return *this;
  }
  Json& num(uint64_t value) {
    separate();
    text_ += std::to_string(value);
    return *this;
  }
  Json& boolean(bool value) {
    separate();
    text_ += value ? "true" : "false";
    return *this;
  }
  Json& null() {
    separate();
    text_ += "null";
    return *this;
  }
  // A value already written as JSON.
  Json& raw(std::string_view json) {
    separate();
    text_ += json;
    return *this;
  }
  Json& field(std::string_view name, std::string_view value) { return key(name).str(value); }
  Json& field(std::string_view name, const char* value) { return key(name).str(value); }
  Json& field(std::string_view name, const std::string& value) { return key(name).str(value); }
  Json& field(std::string_view name, uint64_t value) { return key(name).num(value); }
  Json& field(std::string_view name, uint32_t value) { return key(name).num(value); }

  const std::string& text() const { return text_; }

 private:
  Json& open(char bracket) {
    separate();
    text_ += bracket;
    first_.push_back(true);
    return *this;
  }
  Json& close(char bracket) {
    text_ += bracket;
    if (!first_.empty()) first_.pop_back();
    return *this;
  }
  void separate() {
    if (keyed_) {
      keyed_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) text_ += ',';
    first_.back() = false;
  }
  void quote(std::string_view value) {
    static constexpr char kHex[] = "0123456789abcdef";
    text_ += '"';
    for (const char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        text_ += '\\';
        text_ += c;
      } else if (c == '\n') {
        text_ += "\\n";
      } else if (c == '\t') {
        text_ += "\\t";
      } else if (byte < 0x20 || byte == 0x7F) {
        text_ += "\\u00";
        text_ += kHex[byte >> 4];
        text_ += kHex[byte & 0xF];
      } else {
        text_ += c;
      }
    }
    text_ += '"';
  }

  std::string text_;
  std::vector<bool> first_;
  bool keyed_ = false;
};

}  // namespace qz::kyc::internal
