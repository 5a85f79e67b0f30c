// IP addresses and CIDR ranges (server/ip_address.h): what parses, what a range holds across the two families,
// and the printed forms.
#include "server/ip_address.h"

#include <gtest/gtest.h>

namespace qz::server {
namespace {

IpAddress ip(std::string_view text) {
  IpAddress address;
  EXPECT_TRUE(IpAddress::parse(text, &address)) << text;
  return address;
}

IpRange range(std::string_view text) {
  IpRange out;
  EXPECT_TRUE(IpRange::parse(text, &out)) << text;
  return out;
}

TEST(IpAddress, ParsesBothFamilies) {
  EXPECT_TRUE(ip("203.0.113.7").is_v4());
  EXPECT_EQ(ip("203.0.113.7"), IpAddress::v4(203, 0, 113, 7));
  EXPECT_EQ(ip("::ffff:203.0.113.7"), ip("203.0.113.7"));  // the mapped form is the same address
  EXPECT_FALSE(ip("2001:db8::1").is_v4());
  EXPECT_EQ(ip("2001:db8::1").text(), "2001:db8::1");
  EXPECT_EQ(ip("2001:0DB8:0000:0000:0000:0000:0000:0001").text(), "2001:db8::1");
  EXPECT_EQ(ip("::ffff:10.1.2.3").text(), "10.1.2.3");
  EXPECT_EQ(ip("::1").text(), "::1");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "[::1]",
                          "fe80::1%eth0", "1.2.3.4:80", "::g", "1:2:3:4:5:6:7:8:9", "localhost"}) {
    IpAddress address;
    EXPECT_FALSE(IpAddress::parse(bad, &address)) << bad;
  }
  IpAddress address;
  EXPECT_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0", 8), &address));
}

TEST(IpRange, MatchesAddresses) {
  struct Case {
    const char* range;
    const char* address;
    bool inside;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.255.1.2", true},           {"10.0.0.0/8", "11.0.0.0", false},
      {"10.0.0.0/8", "::ffff:10.1.2.3", true},  // an IPv4 client on a dual-stack socket
      {"203.0.113.7", "203.0.113.7", true},     // a single address is /32
      {"203.0.113.7", "203.0.113.8", false},        {"203.0.113.0/25", "203.0.113.127", true},
      {"203.0.113.0/25", "203.0.113.128", false},   {"0.0.0.0/0", "198.51.100.1", true},
      {"0.0.0.0/0", "2001:db8::1", false},  // an IPv4 range holds no IPv6 address
      {"2001:db8::/32", "2001:db8:ffff::1", true},  {"2001:db8::/32", "2001:db9::1", false},
      {"2001:db8::1", "2001:db8::1", true},  // /128
      {"2001:db8::1", "2001:db8::2", false},        {"2001:db8::/33", "2001:db8:7fff::1", true},
      {"2001:db8::/33", "2001:db8:8000::1", false}, {"::/0", "2001:db8::1", true},
      {"::ffff:10.0.0.0/104", "10.9.9.9", true},  // an IPv4 range written in IPv6 form
  };
  for (const Case& c : cases)
    EXPECT_EQ(range(c.range).contains(ip(c.address)), c.inside) << c.range << " " << c.address;
}

TEST(IpRange, NormalisesAndPrints) {
  EXPECT_EQ(range("10.1.2.3/8"), range("10.0.0.0/8"));  // host bits cleared
  EXPECT_EQ(range("10.1.2.3/8").text(), "10.0.0.0/8");
  EXPECT_EQ(range("203.0.113.7").text(), "203.0.113.7/32");
  EXPECT_EQ(range("2001:db8:1:2::/48").text(), "2001:db8:1::/48");
  EXPECT_EQ(range("::ffff:10.0.0.0/104").text(), "10.0.0.0/8");
  EXPECT_EQ(range("::/0").text(), "::/0");
  for (const char* text : {"10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "::1/128", "192.168.1.0/24"}) {
    EXPECT_EQ(range(range(text).text()), range(text)) << text;
  }
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/8/8",
                          "10.0.0.0/ 8", "/8", "10.0.0/8", "10.0.0.0/1000"}) {
    IpRange out;
    EXPECT_FALSE(IpRange::parse(bad, &out)) << bad;
  }
}

TEST(IpAddress, MaskKeepsThePrefix) {
  EXPECT_EQ(ip("2001:db8:1:2:3:4:5:6").masked(64), ip("2001:db8:1:2::"));
  EXPECT_EQ(ip("2001:db8:1:2:3:4:5:6").masked(0), ip("::"));
  EXPECT_EQ(ip("2001:db8:1:2:3:4:5:6").masked(128), ip("2001:db8:1:2:3:4:5:6"));
  EXPECT_EQ(ip("10.1.2.3").masked(96 + 12), ip("10.0.0.0"));
}

}  // namespace
}  // namespace qz::server
