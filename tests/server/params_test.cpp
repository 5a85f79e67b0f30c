// Request parameters (server/params.h): exact percent-decoding, the merge of query and body, limits, the signed
// bytes with the signature removed, and the typed readers with the venue's error for each malformed value.
#include "server/params.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qz::server {
namespace {

RequestParams parsed(std::string_view query, std::string_view body = "", const ParamLimits& limits = {}) {
  RequestParams params;
  const ParamError error = RequestParams::parse(query, body, limits, &params);
  EXPECT_EQ(error, ParamError::ok) << param_error_name(error) << " for query '" << query << "' body '" << body << "'";
  return params;
}

ParamError parse_error(std::string_view query, std::string_view body = "", const ParamLimits& limits = {}) {
  RequestParams params;
  const ParamError error = RequestParams::parse(query, body, limits, &params);
  if (error != ParamError::ok) {
    EXPECT_TRUE(params.all().empty());
  }
  return error;
}

TEST(PercentDecode, DecodesExactly) {
  struct Case {
    const char* text;
    bool plus_is_space;
    const char* decoded;  // nullptr: refused
  };
  const Case cases[] = {
      {"plain", false, "plain"},
      {"a%20b", false, "a b"},
      {"%2b%2B", false, "++"},  // hex digits in either case
      {"a+b", false, "a+b"},    // query: '+' is a plus
      {"a+b", true, "a b"},     // form body: '+' is a space
      {"%2B", true, "+"},       // an encoded plus stays a plus in the body
      {"%5B%22BTCUSDT%22%5D", false, "[\"BTCUSDT\"]"},
      {"%E2%82%B8", false, "\xE2\x82\xB8"},  // UTF-8 passes through
      {"%41%42%43", false, "ABC"},
      {"", false, ""},
      {"%", false, nullptr},
      {"abc%", false, nullptr},
      {"%2", false, nullptr},
      {"a%2", true, nullptr},
      {"%zz", false, nullptr},
      {"%g0", false, nullptr},
      {"%0g", false, nullptr},
      {"%%41", false, nullptr},  // '%' must start an escape even before a valid one
      {"100%", true, nullptr},
  };
  for (const Case& c : cases) {
    std::string out;
    const bool ok = percent_decode(c.text, c.plus_is_space, &out);
    if (c.decoded == nullptr) {
      EXPECT_FALSE(ok) << c.text;
      EXPECT_TRUE(out.empty()) << c.text;
    } else {
      EXPECT_TRUE(ok) << c.text;
      EXPECT_EQ(out, c.decoded) << c.text;
    }
  }
  std::string nul;
  ASSERT_TRUE(percent_decode("a%00b", false, &nul));
  EXPECT_EQ(nul, std::string("a\0b", 3));
}

// The rule written out byte by byte, for the eight-byte scan in percent_decode to agree with.
bool decoded_by_hand(std::string_view text, bool plus_is_space, std::string* out) {
  out->clear();
  const auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0) {
        out->clear();
        return false;
      }
      out->push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out->push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return true;
}

TEST(PercentDecode, EveryEscapeAtEveryPositionAgreesWithTheRule) {
  const std::vector<std::string> probes = {"%41", "%2b", "+", "%", "%4", "%zz", "%%", " "};
  size_t checked = 0;
  for (size_t length = 0; length <= 40; length++) {
    const std::string plain(length, 'v');
    for (size_t at = 0; at <= length; at++) {
      for (const std::string& probe : probes) {
        for (const bool plus_is_space : {false, true}) {
          std::string text = plain;
          text.insert(at, probe);
          std::string got = "stale";
          std::string expected;
          const bool ok = percent_decode(text, plus_is_space, &got);
          ASSERT_EQ(ok, decoded_by_hand(text, plus_is_space, &expected)) << "'" << text << "' " << plus_is_space;
          ASSERT_EQ(got, expected) << "'" << text << "' " << plus_is_space;
          checked++;
        }
      }
    }
  }
  EXPECT_GT(checked, 10'000u);
}

TEST(PercentDecode, EncodeRoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; b++) all.push_back(static_cast<char>(b));
  const std::string encoded = percent_encode(all);
  for (const char c : encoded) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '%' || c == '-' || c == '_' || c == '.' ||
                c == '~');
  }
  std::string back;
  ASSERT_TRUE(percent_decode(encoded, true, &back));
  EXPECT_EQ(back, all);
  EXPECT_EQ(percent_encode("a b+c/="), "a%20b%2Bc%2F%3D");
}

TEST(RequestParams, SplitsSegments) {
  const RequestParams p = parsed("a=1&&b=&c&d=x=y&");
  ASSERT_EQ(p.all().size(), 4u);
  EXPECT_EQ(p.all()[0], (Param{"a", "1"}));
  EXPECT_EQ(p.all()[1], (Param{"b", ""}));
  EXPECT_EQ(p.all()[2], (Param{"c", ""}));
  EXPECT_EQ(p.all()[3], (Param{"d", "x=y"}));  // only the first '=' splits
  EXPECT_EQ(p.find("e"), nullptr);
  EXPECT_EQ(*p.find("d"), "x=y");
  EXPECT_TRUE(parsed("").all().empty());
  EXPECT_TRUE(parsed("&&&").all().empty());
}

TEST(RequestParams, DecodesNamesAndValues) {
  const RequestParams p = parsed("sym%62ol=BTC%55SDT&note=a+b", "text=a+b&plus=%2B");
  EXPECT_EQ(*p.find("symbol"), "BTCUSDT");
  EXPECT_EQ(*p.find("note"), "a+b");  // query keeps '+'
  EXPECT_EQ(*p.find("text"), "a b");  // body turns '+' into a space
  EXPECT_EQ(*p.find("plus"), "+");
}

TEST(RequestParams, QueryWinsOnDuplicatesAcrossSources) {
  const RequestParams p = parsed("symbol=BTCUSDT&side=BUY", "side=SELL&quantity=1&symbol=ETHUSDT");
  ASSERT_EQ(p.all().size(), 3u);
  EXPECT_EQ(p.all()[0], (Param{"symbol", "BTCUSDT"}));
  EXPECT_EQ(p.all()[1], (Param{"side", "BUY"}));
  EXPECT_EQ(p.all()[2], (Param{"quantity", "1"}));
  EXPECT_EQ(p.raw_query(), "symbol=BTCUSDT&side=BUY");
  EXPECT_EQ(p.raw_body(), "side=SELL&quantity=1&symbol=ETHUSDT");
}

TEST(RequestParams, RefusesMalformedInput) {
  struct Case {
    const char* query;
    const char* body;
    ParamError error;
  };
  const Case cases[] = {
      {"a=%zz", "", ParamError::bad_escape},    {"a%=1", "", ParamError::bad_escape},
      {"", "price=1%", ParamError::bad_escape}, {"=1", "", ParamError::empty_name},
      {"%3D=1&=", "", ParamError::empty_name},  // "%3D" decodes to "=", a name; the bare "=" is not
      {"a=1&a=2", "", ParamError::duplicate},   {"", "a=1&b=2&a=1", ParamError::duplicate},
      {"a=1&%61=2", "", ParamError::duplicate},  // compared after decoding
  };
  for (const Case& c : cases) EXPECT_EQ(parse_error(c.query, c.body), c.error) << c.query << " | " << c.body;
}

TEST(RequestParams, EnforcesLimits) {
  const ParamLimits limits{.max_total_bytes = 64, .max_params = 3, .max_name_bytes = 8, .max_value_bytes = 10};
  EXPECT_EQ(parse_error(std::string(40, 'a'), std::string(25, 'b'), limits), ParamError::too_large);
  EXPECT_EQ(parse_error(std::string(64, 'a'), "", limits), ParamError::name_too_long);  // 64 bytes fit in total
  EXPECT_EQ(parse_error("a=1&b=2", "c=3&d=4", limits), ParamError::too_many);
  EXPECT_EQ(parse_error("a=1&b=2&c=3&d=4", "", limits), ParamError::too_many);
  EXPECT_EQ(parse_error("abcdefghi=1", "", limits), ParamError::name_too_long);
  EXPECT_EQ(parse_error("a=12345678901", "", limits), ParamError::value_too_long);
  // Lengths are of the decoded text: ten escaped bytes are ten bytes.
  EXPECT_EQ(parse_error("a=%41%41%41%41%41%41%41%41%41%41", "", limits), ParamError::ok);
  EXPECT_EQ(parse_error("a=1&b=2&c=3", "", limits), ParamError::ok);
  // Empty segments do not count against max_params.
  EXPECT_EQ(parse_error("a=1&&&&b=2&&c=3", "", limits), ParamError::ok);
}

TEST(RequestParams, LimitErrorsBecomeBinanceReplies) {
  const ParamLimits limits;
  EXPECT_EQ(binance_error_for(ParamError::too_large, limits).message,
            "Request parameters are too large; limit is 16384 bytes.");
  EXPECT_EQ(binance_error_for(ParamError::too_many, limits).message, "Too many parameters sent for this endpoint.");
  EXPECT_EQ(binance_error_for(ParamError::value_too_long, limits).message,
            "A parameter name or value is too long; limit is 8192 bytes.");
  EXPECT_EQ(binance_error_for(ParamError::duplicate, limits).message, "Duplicate values for a parameter detected.");
  EXPECT_EQ(binance_error_for(ParamError::bad_escape, limits).code, -1100);
  EXPECT_EQ(binance_error_for(ParamError::empty_name, limits).code, -1100);
  for (const ParamError e : {ParamError::too_large, ParamError::too_many, ParamError::name_too_long,
                             ParamError::value_too_long, ParamError::duplicate}) {
    EXPECT_EQ(binance_error_for(e, limits).code, -1101) << param_error_name(e);
    EXPECT_EQ(binance_error_for(e, limits).http_status, 400) << param_error_name(e);
  }
}

TEST(RequestParams, SignedBytesDropTheSignatureSegment) {
  struct Case {
    const char* query;
    const char* body;
    const char* total_params;
    bool placement_ok;
  };
  const Case cases[] = {
      {"a=1&b=2&signature=ab", "", "a=1&b=2", true},        // SDK: everything in the query
      {"", "a=1&b=2&signature=ab", "a=1&b=2", true},        // ccxt POST: everything in the body
      {"a=1&b=2", "c=3&signature=ab", "a=1&b=2c=3", true},  // mixed: no separator between the two
      {"a=1&signature=ab", "c=3", "a=1c=3", true},          // signature ends the query, body follows
      {"signature=ab", "", "", true},
      {"a=1&&signature=ab", "", "a=1&", true},                      // the signed text is everything before it
      {"a=1&signature=ab&b=2", "", "a=1&signature=ab&b=2", false},  // not last
      {"a=1&signature=ab&", "", "a=1&signature=ab&", false},        // a trailing '&' is a segment after it
      {"a=1&signature=ab", "b=2&signature=ab", "a=1b=2", false},    // in both sources
      {"a=1&b=2", "", "a=1&b=2", true},                             // unsigned
  };
  for (const Case& c : cases) {
    RequestParams params;
    ASSERT_EQ(RequestParams::parse(c.query, c.body, {}, &params), ParamError::ok) << c.query;
    EXPECT_EQ(params.total_params(), c.total_params) << c.query << " | " << c.body;
    const RequestParams::SignedParts parts = params.signed_parts();
    EXPECT_EQ(std::string(parts.query) + std::string(parts.body), c.total_params) << c.query << " | " << c.body;
    EXPECT_EQ(parts.query, std::string_view(c.query).substr(0, parts.query.size())) << c.query;
    EXPECT_EQ(parts.body, std::string_view(c.body).substr(0, parts.body.size())) << c.body;
    // Read in place: views of the request's own copies of the raw text, from their start.
    EXPECT_EQ(parts.query.data(), params.raw_query().data()) << c.query;
    EXPECT_EQ(parts.body.data(), params.raw_body().data()) << c.body;
    EXPECT_EQ(params.signature_placement_ok(), c.placement_ok) << c.query << " | " << c.body;
  }
  const RequestParams p = parsed("a=1&signature=AB%2B%2F%3D");
  EXPECT_TRUE(p.has_signature());
  EXPECT_EQ(p.signature(), "AB+/=");  // decoded
  EXPECT_FALSE(parsed("a=1").has_signature());
  EXPECT_TRUE(parsed("a=1&signature=").has_signature());
  EXPECT_EQ(parsed("a=1&signature=").signature(), "");
}

TEST(ParamReaders, Integer) {
  struct Case {
    const char* value;
    bool ok;
    int64_t expected;
    int32_t code;
  };
  const Case cases[] = {
      {"0", true, 0, 0},
      {"1499827319559", true, 1499827319559, 0},
      {"-42", true, -42, 0},
      {"007", true, 7, 0},
      {"9223372036854775807", true, INT64_MAX, 0},
      {"-9223372036854775808", true, INT64_MIN, 0},
      {"9223372036854775808", false, 0, -1108},
      {"-9223372036854775809", false, 0, -1108},
      {"99999999999999999999999", false, 0, -1108},
      {"12a", false, 0, -1102},
      {"+5", false, 0, -1102},
      {" 5", false, 0, -1102},
      {"5.0", false, 0, -1102},
      {"-", false, 0, -1102},
      {"1e3", false, 0, -1102},
  };
  for (const Case& c : cases) {
    const RequestParams p = parsed(std::string("n=") + percent_encode(c.value));
    const ParamValue<int64_t> v = param_integer(p, "n", Presence::mandatory);
    EXPECT_EQ(v.ok(), c.ok) << c.value;
    if (c.ok) {
      EXPECT_TRUE(v.present);
      EXPECT_EQ(v.value, c.expected) << c.value;
    } else {
      EXPECT_EQ(v.error->code, c.code) << c.value;
    }
  }
  const ParamValue<int64_t> bad = param_integer(parsed("n=x"), "n", Presence::optional);
  EXPECT_EQ(bad.error->message, "Mandatory parameter 'n' was not sent, was empty/null, or malformed.");
  EXPECT_EQ(param_integer(parsed("n=1e99999999999999999999"), "n", Presence::optional).error->code, -1102);
  EXPECT_EQ(param_integer(parsed("n=99999999999999999999"), "n", Presence::optional).error->message,
            "Parameter 'n' overflowed.");
}

TEST(ParamReaders, AbsentAndEmptyAreTheSame) {
  for (const char* query : {"", "limit=", "limit"}) {
    const RequestParams p = parsed(query);
    const ParamValue<int64_t> optional = param_integer(p, "limit", Presence::optional);
    EXPECT_TRUE(optional.ok()) << query;
    EXPECT_FALSE(optional.present) << query;
    const ParamValue<int64_t> mandatory = param_integer(p, "limit", Presence::mandatory);
    ASSERT_FALSE(mandatory.ok()) << query;
    EXPECT_EQ(mandatory.error->code, -1102);
    EXPECT_EQ(mandatory.error->message, "Mandatory parameter 'limit' was not sent, was empty/null, or malformed.");
  }
}

TEST(ParamReaders, Decimal) {
  struct Case {
    const char* value;
    uint8_t scale;
    int64_t minor;
    int32_t code;  // 0 = ok
  };
  const Case cases[] = {
      {"95", 2, 9500, 0},
      {"0.1", 8, 10000000, 0},
      {"606.06061", 5, 60606061, 0},  // the double trap of contract 2.1, exact here
      {"1.2300", 2, 123, 0},          // trailing zeros beyond the scale are exact
      {"1.234", 2, 0, -1111},
      {"92233720368547758.08", 2, 0, -1108},
      {"1e5", 2, 0, -1102},
      {"-1", 2, 0, -1102},
      {".5", 2, 0, -1102},
      {"5.", 2, 0, -1102},
      {"1,5", 2, 0, -1102},
      {" 1", 2, 0, -1102},
  };
  for (const Case& c : cases) {
    const RequestParams p = parsed(std::string("price=") + percent_encode(c.value));
    const ParamValue<int64_t> v = param_decimal(p, "price", c.scale, Presence::mandatory);
    if (c.code == 0) {
      ASSERT_TRUE(v.ok()) << c.value;
      EXPECT_EQ(v.value, c.minor) << c.value;
    } else {
      ASSERT_FALSE(v.ok()) << c.value;
      EXPECT_EQ(v.error->code, c.code) << c.value;
    }
  }
  EXPECT_EQ(param_decimal(parsed("price=1.234"), "price", 2, Presence::mandatory).error->message,
            "Parameter 'price' has too much precision.");
  EXPECT_EQ(param_decimal(parsed(""), "price", 2, Presence::mandatory).error->message,
            "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
  EXPECT_FALSE(param_decimal(parsed(""), "price", 2, Presence::optional).present);
  const RequestParams quantity = parsed("quantity=0.00012345");  // the value views into it
  const ParamValue<std::string_view> text = param_decimal_text(quantity, "quantity", Presence::mandatory);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text.value, "0.00012345");
}

TEST(ParamReaders, EnumIsUpperCaseExact) {
  constexpr std::string_view kSides[] = {"BUY", "SELL"};
  constexpr std::string_view kResp[] = {"ACK", "RESULT", "FULL"};
  EXPECT_EQ(param_enum(parsed("side=SELL"), "side", kSides, Presence::mandatory).value, 1u);
  const ParamValue<uint32_t> lower =
      param_enum(parsed("side=buy"), "side", kSides, Presence::mandatory, BinanceErrorKind::invalid_side);
  ASSERT_FALSE(lower.ok());
  EXPECT_EQ(lower.error->code, -1117);
  EXPECT_EQ(lower.error->message, "Invalid side.");
  const ParamValue<uint32_t> other =
      param_enum(parsed("newOrderRespType=FAST"), "newOrderRespType", kResp, Presence::optional);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error->message,
            "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.");
  EXPECT_FALSE(param_enum(parsed(""), "side", kSides, Presence::optional).present);
  EXPECT_EQ(param_enum(parsed(""), "side", kSides, Presence::mandatory).error->code, -1102);
}

TEST(ParamReaders, Symbol) {
  EXPECT_EQ(param_symbol(parsed("symbol=BTCUSDT"), "symbol", Presence::mandatory).value, "BTCUSDT");
  for (const char* bad : {"btcusdt", "BTC/USDT", "BTC%20USDT", "ABCDEFGHIJKLMNOPQRSTU"}) {
    const ParamValue<std::string_view> v =
        param_symbol(parsed(std::string("symbol=") + bad), "symbol", Presence::mandatory);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error->message,
              "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.");
  }
}

TEST(ParamReaders, SymbolsInBothClientEncodings) {
  const std::vector<std::string> expected = {"BTCUSDT", "ETHUSDT"};
  // ccxt encodes every bracket, quote and comma; the SDK only the quotes (contract 2.1, observed).
  for (const char* query : {"symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D", "symbols=[%22BTCUSDT%22,%22ETHUSDT%22]",
                            "symbols=%5B%20%22BTCUSDT%22%20,%20%22ETHUSDT%22%20%5D"}) {
    const ParamValue<std::vector<std::string>> v = param_symbols(parsed(query), "symbols", Presence::mandatory);
    ASSERT_TRUE(v.ok()) << query;
    EXPECT_EQ(v.value, expected) << query;
  }
  const ParamValue<std::vector<std::string>> empty =
      param_symbols(parsed("symbols=[]"), "symbols", Presence::mandatory);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty.present);
  EXPECT_TRUE(empty.value.empty());
}

TEST(ParamReaders, SymbolsArrayRules) {
  struct Case {
    const char* text;
    SymbolsError error;
  };
  const Case cases[] = {
      {"[\"BTCUSDT\"]", SymbolsError::ok},
      {" [ \"A\" , \"B-C_D.E\" ] ", SymbolsError::ok},
      {"[]", SymbolsError::ok},
      {"[\"BTCUSDT\",\"BTCUSDT\"]", SymbolsError::duplicate},
      {"", SymbolsError::malformed},
      {"[", SymbolsError::malformed},
      {"]", SymbolsError::malformed},
      {"[\"BTCUSDT\"", SymbolsError::malformed},
      {"[\"BTCUSDT\",]", SymbolsError::malformed},
      {"[,\"BTCUSDT\"]", SymbolsError::malformed},
      {"[\"BTCUSDT\" \"ETHUSDT\"]", SymbolsError::malformed},
      {"[\"btcusdt\"]", SymbolsError::malformed},
      {"[\"\"]", SymbolsError::malformed},
      {"[\"ABCDEFGHIJKLMNOPQRSTU\"]", SymbolsError::malformed},  // 21 characters
      {"[\"BTC\\\"USDT\"]", SymbolsError::malformed},            // no escapes
      {"[BTCUSDT]", SymbolsError::malformed},
      {"[\"BTCUSDT\"]x", SymbolsError::malformed},
      {"[[\"BTCUSDT\"]]", SymbolsError::malformed},
      {"\"BTCUSDT\"", SymbolsError::malformed},
  };
  for (const Case& c : cases) {
    std::vector<std::string> out = {"stale"};
    EXPECT_EQ(parse_symbols_array(c.text, &out), c.error) << c.text;
    if (c.error != SymbolsError::ok) {
      EXPECT_TRUE(out.empty()) << c.text;
    }
  }
  const ParamValue<std::vector<std::string>> malformed =
      param_symbols(parsed("symbols=BTCUSDT"), "symbols", Presence::mandatory);
  EXPECT_EQ(malformed.error->message,
            "Illegal characters found in parameter 'symbols'; legal range is "
            "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
  const ParamValue<std::vector<std::string>> twice =
      param_symbols(parsed("symbols=[%22A%22,%22A%22]"), "symbols", Presence::mandatory);
  EXPECT_EQ(twice.error->code, -1151);
  EXPECT_EQ(twice.error->message, "Symbol is present multiple times in the list.");
}

TEST(ParamReaders, SymbolsRoundTrip) {
  const std::vector<std::string> symbols = {"BTCUSDT", "ETHKZT", "USDT-KZT", "A.B_C"};
  const std::string text = format_symbols_array(symbols);
  EXPECT_EQ(text, R"(["BTCUSDT","ETHKZT","USDT-KZT","A.B_C"])");
  std::vector<std::string> back;
  ASSERT_EQ(parse_symbols_array(text, &back), SymbolsError::ok);
  EXPECT_EQ(back, symbols);
  EXPECT_EQ(format_symbols_array({}), "[]");
}

}  // namespace
}  // namespace qz::server
