// The list parsers: the CSV reader (OFAC quirks: CRLF, the 0x1A end byte, quoted fields) and the XML reader, as
// rule tables, with malformed input giving errors that name the file and line, and XML round trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "screening/internal/csv.h"
#include "screening/internal/xml.h"

namespace qz::screening::internal {
namespace {

std::vector<std::vector<std::string>> read_all(const std::string& text, Status* status) {
  CsvReader reader(text, "t.csv");
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  size_t line = 0;
  while (reader.next(&fields, &line)) records.push_back(fields);
  *status = reader.status();
  return records;
}

using Records = std::vector<std::vector<std::string>>;

struct CsvCase {
  const char* text;
  Records records;
};

TEST(CsvReader, ReadsTheOfacQuirks) {
  const CsvCase cases[] = {
      {"1,\"A\",-0- \r\n", {{"1", "A", "-0- "}}},
      {"1,2\r\n3,4\r\n\x1A", {{"1", "2"}, {"3", "4"}}},               // CRLF and the DOS end byte
      {"1,2\n3,4", {{"1", "2"}, {"3", "4"}}},                         // LF, no final newline
      {"1,2\r3,4\r", {{"1", "2"}, {"3", "4"}}},                       // a lone CR ends a line
      {"\"a, b\",\"say \"\"hi\"\"\"\r\n", {{"a, b", "say \"hi\""}}},  // commas and quotes inside quotes
      {"\"two\r\nlines\",x\r\n", {{"two\r\nlines", "x"}}},            // a quoted field spans lines
      {"a,,\r\n", {{"a", "", ""}}},                                   // empty fields, trailing comma
      {"\r\n\r\na\r\n\r\n", {{"a"}}},                                 // empty lines are skipped
      {"\xEF\xBB\xBFuid,name\n", {{"uid", "name"}}},                  // a UTF-8 byte-order mark
      {"x\r\n\x1A\r\n", {{"x"}}},                                     // 0x1A followed by a line end
      {"", {}},
  };
  for (const CsvCase& c : cases) {
    Status status = Status::ok();
    EXPECT_EQ(read_all(c.text, &status), c.records) << c.text;
    EXPECT_TRUE(status.is_ok()) << c.text << ": " << status.message();
  }
}

TEST(CsvReader, CountsLinesAcrossQuotedNewlines) {
  CsvReader reader("a\r\n\"b\nc\"\r\nd\r\n", "t.csv");
  std::vector<std::string> fields;
  size_t line = 0;
  std::vector<size_t> lines;
  while (reader.next(&fields, &line)) lines.push_back(line);
  EXPECT_EQ(lines, (std::vector<size_t>{1, 2, 4}));
}

struct MalformedCase {
  const char* text;
  const char* message;  // the whole error
};

TEST(CsvReader, MalformedInputNamesFileAndLine) {
  const MalformedCase cases[] = {
      {"a\r\n\"open", "t.csv:2: unterminated quoted field"},
      {"\"a\"b,c\r\n", "t.csv:1: unexpected character after a closing quote"},
      {"a\r\n\x1A\r\nb\r\n", "t.csv:2: data after the end-of-file byte 0x1A"},
  };
  for (const MalformedCase& c : cases) {
    Status status = Status::ok();
    read_all(c.text, &status);
    ASSERT_FALSE(status.is_ok()) << c.text;
    EXPECT_EQ(status.message(), c.message);
  }
}

TEST(XmlReader, ParsesElementsAttributesTextAndEntities) {
  const std::string text =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- list -->\n"
      "<LIST date=\"2026-02-27\" note='a &amp; b'>\n"
      "  <ITEM><NAME>Tom &lt;&amp;&gt; &quot;Jerry&quot; &apos;x&apos; &#65;&#x42;&#x416;</NAME><EMPTY/></ITEM>\n"
      "  <ITEM><NAME><![CDATA[<raw> & text]]></NAME><!-- c --><?pi x?></ITEM>\n"
      "</LIST>\n";
  XmlElement root;
  ASSERT_TRUE(parse_xml(text, "t.xml", &root).is_ok());
  EXPECT_EQ(root.name, "LIST");
  ASSERT_NE(root.attribute("date"), nullptr);
  EXPECT_EQ(*root.attribute("note"), "a & b");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].child_text("NAME"), "Tom <&> \"Jerry\" 'x' AB\xD0\x96");
  EXPECT_NE(root.children[0].child("EMPTY"), nullptr);
  EXPECT_EQ(root.children[1].child_text("NAME"), "<raw> & text");
  EXPECT_EQ(root.children[1].line, 5u);
  EXPECT_EQ(root.child("MISSING"), nullptr);
}

TEST(XmlReader, MalformedInputNamesFileAndLine) {
  const MalformedCase cases[] = {
      {"<a>\n<b>\n</a>", "t.xml:3: end tag </a> does not match <b> of line 2"},
      {"<a>\n<b>", "t.xml:2: unclosed element <b>"},
      {"<a>&nbsp;</a>", "t.xml:1: unknown entity &nbsp;"},
      {"<a>&#0;</a>", "t.xml:1: character reference out of range"},
      {"<a>&#xD800;</a>", "t.xml:1: character reference out of range"},
      {"<a>x & y</a>", "t.xml:1: '&' without a reference"},
      {"<a></a>\n<b></b>", "t.xml:2: a second root element"},
      {"text", "t.xml:1: text outside the root element"},
      {"", "t.xml:1: no root element"},
      {"<a x=1></a>", "t.xml:1: attribute value must be quoted"},
      {"<a x='1' x='2'></a>", "t.xml:1: repeated attribute x"},
      {"<a x='<'></a>", "t.xml:1: '<' in an attribute value"},
      {"<!DOCTYPE a [<!ENTITY e 'x'>]><a/>", "t.xml:1: a DOCTYPE with an internal subset is not supported"},
      {"<a><!-- open</a>", "t.xml:1: unterminated comment"},
      {"<a><![CDATA[x</a>", "t.xml:1: unterminated CDATA section"},
  };
  for (const MalformedCase& c : cases) {
    XmlElement root;
    const Status status = parse_xml(c.text, "t.xml", &root);
    ASSERT_FALSE(status.is_ok()) << c.text;
    EXPECT_EQ(status.message(), c.message);
    EXPECT_TRUE(root.name.empty() && root.children.empty()) << "a failed parse leaves the output empty";
  }
}

TEST(XmlReader, RejectsNestingDeeperThanTheLimitWithoutRecursing) {
  std::string deep;
  for (size_t i = 0; i < kMaxXmlDepth + 1; i++) deep += "<a>";
  XmlElement root;
  const Status status = parse_xml(deep, "t.xml", &root);
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.message(), "t.xml:1: elements nested too deeply");
  std::string ok;
  for (size_t i = 0; i < kMaxXmlDepth; i++) ok += "<a>";
  for (size_t i = 0; i < kMaxXmlDepth; i++) ok += "</a>";
  EXPECT_TRUE(parse_xml(ok, "t.xml", &root).is_ok());
}

TEST(XmlReader, WriteThenParseGivesTheSameTree) {
  XmlElement root;
  ASSERT_TRUE(
      parse_xml("<r a=\"1 &quot;2&quot;\"><x>one &amp; two</x><y/><x>\r\n3</x>tail</r>", "t.xml", &root).is_ok());
  const std::string written = write_xml(root);
  XmlElement again;
  ASSERT_TRUE(parse_xml(written, "t.xml", &again).is_ok()) << written;
  EXPECT_EQ(write_xml(again), written);
  EXPECT_EQ(again.children.size(), 3u);
  EXPECT_EQ(again.children[2].text, "\r\n3");
  EXPECT_EQ(again.text, "tail");
}

}  // namespace
}  // namespace qz::screening::internal
