// A small writer of JSON text for the monitor's exports (alerts, cases, reports). Internal to the module.
//
// The caller opens and closes objects and arrays in pairs; commas are inserted. Strings are escaped (quote,
// backslash, control characters); other bytes are copied, so UTF-8 passes through. Only integers are written:
// amounts are decimal strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qz::monitor::internal {

class Json {
 public:
  Json& open_object() { return open('{'); }
  Json& close_object() { return close('}'); }
  Json& open_array() { return open('['); }
  Json& close_array() { return close(']'); }

  Json& key(std::string_view name) {
    comma();
    quote(name);
    text_ += ':';
    keyed_ = true;
    return *this;
  }
  Json& str(std::string_view value) {
    comma();
    quote(value);
    return *this;
  }
  Json& num(uint64_t value) {
    comma();
    text_ += std::to_string(value);
    return *this;
  }
  Json& num_signed(int64_t value) {
    comma();
    text_ += std::to_string(value);
    return *this;
  }
  Json& boolean(bool value) {
    comma();
    text_ += value ? "true" : "false";
    return *this;
  }
  // A value already written as JSON (by another Json).
  Json& raw(std::string_view json) {
    comma();
    text_ += json;
    return *this;
  }
  Json& null() {
    comma();
    text_ += "null";
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
    comma();
    text_ += bracket;
    fresh_.push_back(true);
    return *this;
  }
  Json& close(char bracket) {
    text_ += bracket;
    if (!fresh_.empty()) fresh_.pop_back();
    return *this;
  }
  void comma() {
    if (keyed_) {
      keyed_ = false;
      return;
    }
    if (fresh_.empty()) return;
    if (!fresh_.back()) text_ += ',';
    fresh_.back() = false;
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
      } else if (c == '\r') {
        text_ += "\\r";
      } else if (byte < 0x20) {
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
  std::vector<bool> fresh_;
  bool keyed_ = false;
};

}  // namespace qz::monitor::internal
