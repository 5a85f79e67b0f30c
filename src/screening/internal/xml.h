// A small XML reader, sufficient for list files such as the UN consolidated list: elements, attributes,
// character data with the five predefined entities and numeric character references, CDATA sections, comments,
// processing instructions and a DOCTYPE without an internal subset. No namespaces processing (a prefix stays part
// of the name), no DTD validation, no external entities (nothing is ever fetched).
//
// Input is UTF-8. Malformed input (mismatched or unclosed tags, a bad entity, text outside the root, nesting
// deeper than kMaxXmlDepth) gives an error naming the file and the line; the reader never recurses, so hostile
// nesting cannot exhaust the stack.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace qz::screening::internal {

inline constexpr size_t kMaxXmlDepth = 256;

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // all character data directly inside this element, entities decoded, untrimmed
  std::vector<XmlElement> children;
  size_t line = 0;  // of the start tag

  // The first child called `child_name`, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  // The trimmed text of the first child called `child_name`; "" when there is none.
  std::string child_text(std::string_view child_name) const;
  // The value of attribute `attribute_name`, or nullptr.
  const std::string* attribute(std::string_view attribute_name) const;
};

// Parses a whole document into *root (its single root element). On error *root is left empty.
[[nodiscard]] Status parse_xml(std::string_view text, const std::string& file_name, XmlElement* root);

// Writes `element` back as XML (used by round-trip tests and the fuzz target): attributes and text escaped,
// children after the element's text.
std::string write_xml(const XmlElement& element);

// Strips ASCII white space at both ends.
std::string trim(std::string_view text);

}  // namespace qz::screening::internal
