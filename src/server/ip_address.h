// Client IP addresses and CIDR ranges for API-key allow-lists (server/api_keys.h) and per-IP rate limits.
//
// Both families live in one 16-byte form: an IPv4 address is stored as its IPv4-mapped IPv6 address
// (::ffff:a.b.c.d), so a client reaching a dual-stack socket as ::ffff:10.1.2.3 matches the range 10.0.0.0/8.
// A range's prefix counts bits of that 16-byte form; IPv4 prefixes are written and printed in IPv4 terms (/8).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace qz::server {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  bool is_v4() const;  // an IPv4-mapped address
  // "203.0.113.7", "2001:db8::1", "::ffff:203.0.113.7" (the same address as "203.0.113.7"). No brackets, ports or
  // zone ids; IPv4 in the strict dotted-quad form. False on anything else.
  [[nodiscard]] static bool parse(std::string_view text, IpAddress* out);
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  std::string text() const;  // "203.0.113.7" for IPv4, RFC 5952 form otherwise
  // The address with all bits after the first `prefix_bits` (of the 16-byte form) cleared.
  IpAddress masked(uint8_t prefix_bits) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

struct IpRange {
  IpAddress base;           // host bits cleared
  uint8_t prefix_bits = 0;  // of the 16-byte form: 96 + n for IPv4 /n

  // "10.0.0.0/8", "2001:db8::/32", or a single address (/32 or /128). Host bits are cleared ("10.1.2.3/8" is
  // 10.0.0.0/8). IPv4 prefixes 0-32, IPv6 0-128. False on anything else.
  [[nodiscard]] static bool parse(std::string_view text, IpRange* out);
  bool contains(const IpAddress& address) const;
  std::string text() const;  // "10.0.0.0/8", "2001:db8::/32"

  friend bool operator==(const IpRange&, const IpRange&) = default;
};

}  // namespace qz::server
