#include "server/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "base/assert.h"

namespace qz::server {

namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
constexpr uint8_t kV4PrefixBits = 96;

bool parse_prefix(std::string_view text, uint32_t max, uint32_t* out) {
  if (text.empty() || text.size() > 3) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > max) return false;
  *out = value;
  return true;
}

}  // namespace

bool IpAddress::is_v4() const { return std::memcmp(bytes.data(), kV4MappedPrefix, sizeof kV4MappedPrefix) == 0; }

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress address;
  std::memcpy(address.bytes.data(), kV4MappedPrefix, sizeof kV4MappedPrefix);
  address.bytes[12] = a;
  address.bytes[13] = b;
  address.bytes[14] = c;
  address.bytes[15] = d;
  return address;
}

bool IpAddress::parse(std::string_view text, IpAddress* out) {
  // INET6_ADDRSTRLEN (46) covers the longest textual form, "ffff:...:255.255.255.255".
  char buffer[48];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return false;
  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    uint8_t v4[4];
    if (inet_pton(AF_INET, buffer, v4) != 1) return false;
    address = IpAddress::v4(v4[0], v4[1], v4[2], v4[3]);
  } else if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) {
    return false;
  }
  *out = address;
  return true;
}

std::string IpAddress::text() const {
  char buffer[INET6_ADDRSTRLEN];
  const char* printed = is_v4() ? inet_ntop(AF_INET, bytes.data() + 12, buffer, sizeof buffer)
                                : inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
  QZ_ASSERT(printed != nullptr);
  return buffer;
}

IpAddress IpAddress::masked(uint8_t prefix_bits) const {
  QZ_ASSERT_LE(prefix_bits, 128);
  IpAddress out = *this;
  for (size_t i = 0; i < out.bytes.size(); i++) {
    const int bits_here = static_cast<int>(prefix_bits) - static_cast<int>(i * 8);
    if (bits_here >= 8) continue;
    out.bytes[i] = bits_here <= 0 ? 0 : static_cast<uint8_t>(out.bytes[i] & (0xFF << (8 - bits_here)));
  }
  return out;
}

bool IpRange::parse(std::string_view text, IpRange* out) {
  const size_t slash = text.find('/');
  IpAddress address;
  if (!IpAddress::parse(text.substr(0, slash), &address)) return false;
  // An IPv4 address written in IPv6 form ("::ffff:10.0.0.0/104") keeps IPv6 prefix arithmetic.
  const bool written_v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  uint32_t prefix = written_v4 ? 32 : 128;
  if (slash != std::string_view::npos && !parse_prefix(text.substr(slash + 1), prefix, &prefix)) return false;
  const auto bits = static_cast<uint8_t>(written_v4 ? kV4PrefixBits + prefix : prefix);
  *out = IpRange{.base = address.masked(bits), .prefix_bits = bits};
  return true;
}

bool IpRange::contains(const IpAddress& address) const {
  QZ_ASSERT_LE(prefix_bits, 128);
  return address.masked(prefix_bits) == base;
}

std::string IpRange::text() const {
  const bool v4 = base.is_v4() && prefix_bits >= kV4PrefixBits;
  const int shown = v4 ? prefix_bits - kV4PrefixBits : prefix_bits;
  return base.text() + "/" + std::to_string(shown);
}

}  // namespace qz::server
