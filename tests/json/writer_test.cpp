// The JSON writer (src/json/writer.h): commas and nesting, the escaping of every byte below 0x20 and of quote and
// backslash, UTF-8 copied as it is, integers at the limits of every width, decimals, raw values and null; every
// output is also parsed back by simdjson, so what the writer promises is valid JSON that reads as what was written.
// Misuse of the structure is a programmer error: death tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "json/writer.h"
#include "simdjson.h"

namespace qz::json {
namespace {

// The string value that `json` (one JSON string) parses to; fails the test when it is not valid JSON.
std::string parsed_string(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view value;
  const simdjson::error_code error = parser.parse(json).get_string().get(value);
  EXPECT_EQ(error, simdjson::SUCCESS) << json;
  return std::string(value);
}

bool parses(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(json).get(root) == simdjson::SUCCESS;
}

std::string string_json(std::string_view text) {
  Writer json;
  json.value(text);
  EXPECT_TRUE(json.complete());
  return json.text();
}

// --- escaping ---------------------------------------------------------------------------------------------------

TEST(JsonEscaping, EveryControlByteIsEscapedAndReadsBack) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned byte = 0; byte < 0x20; byte++) {
    const std::string text(1, static_cast<char>(byte));
    std::string expected;
    if (byte == '\n') {
      expected = "\"\\n\"";
    } else if (byte == '\t') {
      expected = "\"\\t\"";
    } else {
      expected = std::string("\"\\u00") + kHex[byte >> 4] + kHex[byte & 0xF] + "\"";
    }
    const std::string json = string_json(text);
    EXPECT_EQ(json, expected) << "byte " << byte;
    EXPECT_EQ(parsed_string(json), text) << "byte " << byte;
  }
}

struct EscapeCase {
  const char* text;
  const char* json;
};

// One line per rule: quote and backslash get a backslash, \n and \t their short forms, other control bytes
// \u00XX (so \r is \u000d), everything else is copied.
const EscapeCase kEscapeTable[] = {
    {"", R"("")"},
    {"plain", R"("plain")"},
    {"say \"hi\"", R"("say \"hi\"")"},
    {"C:\\dir\\", R"("C:\\dir\\")"},
    {"\\\"", R"("\\\"")"},
    {"line\nnext", R"("line\nnext")"},
    {"a\tb", R"("a\tb")"},
    {"a\rb", R"("a\u000db")"},
    {"\b\f", R"("\u0008\u000c")"},
    {"\x1f", R"("\u001f")"},
    {" ~", R"(" ~")"},     // 0x20 and 0x7E: printable, copied
    {"\x7f", "\"\x7f\""},  // DEL needs no escape in JSON: copied
    {"/", R"("/")"},       // the solidus may stay unescaped
    {"</script>", R"("</script>")"},
};

TEST(JsonEscaping, Table) {
  for (const EscapeCase& c : kEscapeTable) {
    const std::string json = string_json(c.text);
    EXPECT_EQ(json, c.json) << c.text;
    EXPECT_EQ(parsed_string(json), c.text) << c.text;
  }
}

TEST(JsonEscaping, NulInsideTextIsEscapedNotTruncated) {
  const std::string text("a\0b", 3);
  const std::string json = string_json(text);
  EXPECT_EQ(json, R"("a\u0000b")");
  EXPECT_EQ(parsed_string(json), text);
}

// A key is written in one piece when it needs no escape (with its comma and colon) and byte by byte when it
// does: both paths take the comma they need, first in an object or after another member.
TEST(JsonEscaping, KeysOfBothPathsTakeTheirCommas) {
  Writer w;
  w.begin_object()
      .field("a", 1)
      .field("b\"", 2)
      .field("c", Decimal{"1.50"})
      .key("\t")
      .begin_object()
      .field("", "")
      .field("d", Decimal{"-0.1"})
      .end_object()
      .key("")
      .begin_array()
      .value(Decimal{"7"})
      .value("x")
      .end_array()
      .end_object();
  EXPECT_EQ(w.text(), R"({"a":1,"b\"":2,"c":"1.50","\t":{"":"","d":"-0.1"},"":["7","x"]})");
}

TEST(JsonEscaping, Utf8PassesThroughByteForByte) {
  // Kazakh Cyrillic, a name in Arabic script, a three-byte currency sign and a four-byte emoji.
  const std::string text = "Қазна Алматы • اسم ₸ 😀";
  const std::string json = string_json(text);
  EXPECT_EQ(json, "\"" + text + "\"");
  EXPECT_EQ(parsed_string(json), text);
  // Next to escapes, in keys too.
  Writer keyed;
  keyed.begin_object().field("тенге\n", "₸\"").end_object();
  EXPECT_EQ(keyed.text(), "{\"тенге\\n\":\"₸\\\"\"}");
  EXPECT_TRUE(parses(keyed.text()));
}

TEST(JsonEscaping, LongTextWithEscapesBetweenRuns) {
  std::string text;
  std::string expected = "\"";
  for (int i = 0; i < 200; i++) {
    text += "abc\"def\n";
    expected += "abc\\\"def\\n";
  }
  expected += "\"";
  const std::string json = string_json(text);
  EXPECT_EQ(json, expected);
  EXPECT_EQ(parsed_string(json), text);
}

// The header's rule, one byte at a time: what append_string's eight-byte scan must agree with.
std::string escaped_by_hand(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20) {
      out += "\\u00";
      out += "0123456789abcdef"[byte >> 4];
      out += "0123456789abcdef"[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Every length up to 40, with each byte that matters (and its neighbours in value) at every position, alone and
// beside another: the eight-byte scan, its padded tail and the byte loop agree with the rule.
TEST(JsonEscaping, EveryByteAtEveryPositionAgreesWithTheRule) {
  const std::vector<unsigned char> probes = {0x00, 0x01, 0x09, 0x0A, 0x1F, 0x20, 0x21, '"',  0x23,
                                             0x5B, '\\', 0x5D, 0x61, 0x7F, 0x80, 0xA2, 0xDC, 0xFF};
  size_t checked = 0;
  for (size_t length = 0; length <= 40; length++) {
    const std::string plain(length, 'k');
    EXPECT_EQ(string_json(plain), escaped_by_hand(plain));
    for (size_t at = 0; at < length; at++) {
      for (const unsigned char probe : probes) {
        std::string text = plain;
        text[at] = static_cast<char>(probe);
        ASSERT_EQ(string_json(text), escaped_by_hand(text)) << "length " << length << " at " << at << " byte "
                                                              << int{probe};
        text[(at * 7 + 3) % length] = '"';
        ASSERT_EQ(string_json(text), escaped_by_hand(text)) << "length " << length << " at " << at;
        checked += 2;
      }
    }
  }
  EXPECT_GT(checked, 10'000u);
  // Every byte value in every lane of one word, the rest plain.
  for (unsigned value = 0; value < 256; value++) {
    for (size_t lane = 0; lane < 8; lane++) {
      std::string text(8, '0');
      text[lane] = static_cast<char>(value);
      EXPECT_EQ(any_byte_to_escape([&] {
                  uint64_t word = 0;
                  std::memcpy(&word, text.data(), 8);
                  return word;
                }()),
                value < 0x20 || value == '"' || value == '\\')
          << value << " in lane " << lane;
    }
  }
}

TEST(JsonEscaping, AppendStringAddsToWhatIsThere) {
  std::string out = "x=";
  append_string(&out, "a\"b");
  EXPECT_EQ(out, R"(x="a\"b")");
}

// --- structure --------------------------------------------------------------------------------------------------

TEST(JsonStructure, EmptyContainers) {
  Writer object;
  object.begin_object().end_object();
  EXPECT_EQ(object.text(), "{}");
  Writer array;
  array.begin_array().end_array();
  EXPECT_EQ(array.text(), "[]");
  Writer nested;
  nested.begin_object().key("a").begin_array().end_array().key("o").begin_object().end_object().end_object();
  EXPECT_EQ(nested.text(), R"({"a":[],"o":{}})");
}

TEST(JsonStructure, CommasBetweenMembersAndElementsOnly) {
  Writer json;
  json.begin_object().field("one", 1).end_object();
  EXPECT_EQ(json.text(), R"({"one":1})");

  Writer three;
  three.begin_object().field("a", 1).field("b", "x").field("c", true).end_object();
  EXPECT_EQ(three.text(), R"({"a":1,"b":"x","c":true})");

  Writer array;
  array.begin_array().value(1).value("two").null().value(false).end_array();
  EXPECT_EQ(array.text(), R"([1,"two",null,false])");
}

TEST(JsonStructure, NestingSeparatesEachLevelOnItsOwn) {
  Writer json;
  json.begin_object();
  json.key("symbols").begin_array();
  for (const char* symbol : {"BTCKZT", "ETHKZT"}) {
    json.begin_object().field("symbol", symbol).key("filters").begin_array();
    json.begin_object().field("filterType", "PRICE_FILTER").field("tickSize", Decimal{"1.00"}).end_object();
    json.begin_object().field("filterType", "LOT_SIZE").end_object();
    json.end_array().end_object();
  }
  json.end_array();
  json.key("matrix").begin_array();
  json.begin_array().value(1).value(2).end_array();
  json.begin_array().end_array();
  json.begin_array().begin_array().value(3).end_array().end_array();
  json.end_array();
  json.field("after", 0).end_object();
  EXPECT_TRUE(json.complete());
  EXPECT_EQ(json.text(), R"({"symbols":[{"symbol":"BTCKZT","filters":[{"filterType":"PRICE_FILTER","tickSize":"1.00"},)"
                         R"({"filterType":"LOT_SIZE"}]},{"symbol":"ETHKZT","filters":[{"filterType":"PRICE_FILTER",)"
                         R"("tickSize":"1.00"},{"filterType":"LOT_SIZE"}]}],"matrix":[[1,2],[],[[3]]],"after":0})");
  EXPECT_TRUE(parses(json.text()));
}

TEST(JsonStructure, ScalarsAtTheTopLevel) {
  Writer number;
  number.value(int64_t{-7});
  EXPECT_EQ(number.text(), "-7");
  EXPECT_TRUE(number.complete());
  Writer nothing;
  nothing.null();
  EXPECT_EQ(nothing.text(), "null");
}

TEST(JsonStructure, CompleteOnlyWhenEverythingIsClosed) {
  Writer json;
  EXPECT_FALSE(json.complete());
  json.begin_object().key("a").begin_array();
  EXPECT_FALSE(json.complete());
  json.end_array();
  EXPECT_FALSE(json.complete());
  json.end_object();
  EXPECT_TRUE(json.complete());
}

TEST(JsonStructure, TakeMovesTheTextOutAndStartsAgain) {
  Writer json;
  json.begin_array().value(1).end_array();
  EXPECT_EQ(json.take(), "[1]");
  EXPECT_EQ(json.text(), "");
  EXPECT_FALSE(json.complete());
  json.begin_object().end_object();
  EXPECT_EQ(json.text(), "{}");
  // Taken in the middle of an object, after a key: nothing of it is left open.
  json.take();
  json.begin_object().key("a");
  EXPECT_EQ(json.take(), "{\"a\":");
  json.value(5);
  EXPECT_EQ(json.text(), "5");
  EXPECT_TRUE(json.complete());
}

// --- values -----------------------------------------------------------------------------------------------------

TEST(JsonValues, IntegersAtTheLimitsOfEveryWidth) {
  Writer json;
  json.begin_array()
      .value(int64_t{0})
      .value(std::numeric_limits<int64_t>::min())
      .value(std::numeric_limits<int64_t>::max())
      .value(std::numeric_limits<uint64_t>::max())
      .value(std::numeric_limits<int32_t>::min())
      .value(std::numeric_limits<uint32_t>::max())
      .value(std::numeric_limits<int16_t>::min())
      .value(std::numeric_limits<uint16_t>::max())
      .value(std::numeric_limits<int8_t>::min())
      .value(std::numeric_limits<uint8_t>::max())
      .value(-1)
      .end_array();
  EXPECT_EQ(json.text(),
            "[0,-9223372036854775808,9223372036854775807,18446744073709551615,-2147483648,4294967295,-32768,65535,"
            "-128,255,-1]");

  simdjson::dom::parser parser;
  simdjson::dom::array values;
  ASSERT_EQ(parser.parse(json.text()).get_array().get(values), simdjson::SUCCESS);
  int64_t low = 0;
  uint64_t high = 0;
  ASSERT_EQ(values.at(1).get_int64().get(low), simdjson::SUCCESS);
  ASSERT_EQ(values.at(3).get_uint64().get(high), simdjson::SUCCESS);
  EXPECT_EQ(low, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(high, std::numeric_limits<uint64_t>::max());
}

TEST(JsonValues, FieldsOfEveryKind) {
  const std::string owned = "owned";
  Writer json;
  json.begin_object()
      .field("view", std::string_view("v"))
      .field("string", owned)
      .field("literal", "l")
      .field("count", uint64_t{3})
      .field("delta", int64_t{-3})
      .field("open", false)
      .field("closed_at", nullptr)
      .field("price", Decimal{"-0.00012345"})
      .field("record", Raw{R"({"id":1})"})
      .end_object();
  EXPECT_EQ(json.text(),
            R"({"view":"v","string":"owned","literal":"l","count":3,"delta":-3,"open":false,"closed_at":null,)"
            R"("price":"-0.00012345","record":{"id":1}})");
  EXPECT_TRUE(parses(json.text()));
}

TEST(JsonValues, RawAndDecimalAsArrayElements) {
  Writer inner;
  inner.begin_object().field("a", 1).end_object();
  Writer json;
  json.begin_array().raw(inner.text()).raw("[]").decimal("12").decimal("0.5").end_array();
  EXPECT_EQ(json.text(), R"([{"a":1},[],"12","0.5"])");
}

// A kline as the Binance API writes it: times as integers, prices and quantities as decimal strings.
TEST(JsonValues, BinanceKlineRow) {
  Writer json;
  json.begin_array()
      .begin_array()
      .value(uint64_t{1'499'040'000'000})
      .decimal("0.01634790")
      .decimal("0.80000000")
      .value(uint64_t{1'499'644'799'999})
      .value(308)
      .end_array()
      .end_array();
  EXPECT_EQ(json.text(), R"([[1499040000000,"0.01634790","0.80000000",1499644799999,308]])");
}

TEST(JsonValues, DecimalText) {
  EXPECT_TRUE(is_decimal_text("0"));
  EXPECT_TRUE(is_decimal_text("12"));
  EXPECT_TRUE(is_decimal_text("-5.00"));
  EXPECT_TRUE(is_decimal_text("0.00012345"));
  EXPECT_TRUE(is_decimal_text("-9223372036854775808"));
  EXPECT_FALSE(is_decimal_text(""));
  EXPECT_FALSE(is_decimal_text("-"));
  EXPECT_FALSE(is_decimal_text("+1"));
  EXPECT_FALSE(is_decimal_text("1."));
  EXPECT_FALSE(is_decimal_text(".5"));
  EXPECT_FALSE(is_decimal_text("1.2.3"));
  EXPECT_FALSE(is_decimal_text("1e5"));
  EXPECT_FALSE(is_decimal_text(" 1"));
  EXPECT_FALSE(is_decimal_text("1,000"));
  EXPECT_FALSE(is_decimal_text("NaN"));
}

// --- misuse -----------------------------------------------------------------------------------------------------

template <typename T>
concept Writable = requires(Writer json, T v) {
  json.value(v);
};

// What has no JSON form here does not compile: floating point, characters, pointers other than C strings.
static_assert(Writable<int64_t> && Writable<uint64_t> && Writable<uint8_t> && Writable<bool>);
static_assert(Writable<const char*> && Writable<std::string> && Writable<Decimal> && Writable<Raw>);
static_assert(!Writable<double> && !Writable<float> && !Writable<long double>);
static_assert(!Writable<char> && !Writable<char8_t> && !Writable<const int*> && !Writable<const std::string*>);

TEST(JsonMisuseDeathTest, StructureErrorsAreAssertions) {
  EXPECT_DEATH(Writer().begin_object().end_array(), "a close without its open");
  EXPECT_DEATH(Writer().end_object(), "a close without its open");
  EXPECT_DEATH(Writer().begin_array().key("a"), "a key outside an object");
  EXPECT_DEATH(Writer().key("a"), "a key outside an object");
  EXPECT_DEATH(Writer().begin_object().key("a").key("b"), "two keys in a row");
  EXPECT_DEATH(Writer().begin_object().value(1), "a value in an object without a key");
  EXPECT_DEATH(Writer().begin_object().key("a").end_object(), "a key without a value");
  EXPECT_DEATH(Writer().value(1).value(2), "a second value at the top level");
  EXPECT_DEATH(Writer().decimal("1e5"), "not decimal text");
  EXPECT_DEATH(Writer().raw(""), "an empty raw value");
}

}  // namespace
}  // namespace qz::json
