// Hexadecimal text of bytes: what hashes, keys and signatures look like in files, logs and API answers. Lower case
// out, either case in.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace qz {

inline constexpr char kHexDigits[] = "0123456789abcdef";

// The value of one hex digit of either case, or -1 for any other character.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Two lower-case hex digits per byte.
std::string hex_encode(std::span<const uint8_t> bytes);

// Decodes exactly 2 × out.size() hex digits of either case into `out`; false on any other text (wrong length, a
// character that is not a hex digit), and then `out` holds nothing useful. Every character is looked up in one
// table, without a branch on its value, so its time depends only on the text's length, never on the bytes
// decoded: it may decode a client's signature before a constant-time comparison.
[[nodiscard]] bool hex_decode(std::string_view text, std::span<uint8_t> out);

}  // namespace qz
