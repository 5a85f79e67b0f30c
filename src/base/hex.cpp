#include "base/hex.h"

#include <array>

namespace qz {

std::string hex_encode(std::span<const uint8_t> bytes) {
  std::string text(2 * bytes.size(), '0');
  for (size_t i = 0; i < bytes.size(); i++) {
    text[2 * i] = kHexDigits[bytes[i] >> 4];
    text[2 * i + 1] = kHexDigits[bytes[i] & 15];
  }
  return text;
}

namespace {

// Every character's digit value, or kNotHex.
constexpr uint8_t kNotHex = 0x80;
constexpr std::array<uint8_t, 256> kHexValues = [] {
  std::array<uint8_t, 256> values{};
  for (size_t c = 0; c < values.size(); c++) {
    const int value = hex_digit_value(static_cast<char>(c));
    values[c] = value < 0 ? kNotHex : static_cast<uint8_t>(value);
  }
  return values;
}();

}  // namespace

bool hex_decode(std::string_view text, std::span<uint8_t> out) {
  if (text.size() != 2 * out.size()) return false;
  uint8_t seen = 0;  // kNotHex once any character was not a digit
  for (size_t i = 0; i < out.size(); i++) {
    const uint8_t high = kHexValues[static_cast<unsigned char>(text[2 * i])];
    const uint8_t low = kHexValues[static_cast<unsigned char>(text[2 * i + 1])];
    seen |= high | low;
    out[i] = static_cast<uint8_t>((high & 0xF) << 4 | (low & 0xF));
  }
  return (seen & kNotHex) == 0;
}

}  // namespace qz
