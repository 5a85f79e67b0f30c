// libFuzzer target: the XML reader and the UN consolidated list loader (screening/internal/xml.h,
// screening/lists.h).
//
// Input: the first byte picks the check (byte % 2); the rest is the document.
//   0  parse_xml: on success, write_xml of the tree parses again to a tree that writes the same bytes (the
//      written form is a fixed point) and no element is nested deeper than kMaxXmlDepth; on failure the
//      message names the file and a line and the output tree is empty.
//   1  parse_un_xml: never crash; on failure the output list is untouched and the message names the file and a
//      line; on success uids are unique and non-empty and every entry has a non-empty primary name.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "screening/internal/xml.h"
#include "screening/lists.h"

namespace {

using qz::screening::internal::XmlElement;

size_t depth_of(const XmlElement& root) {
  size_t deepest = 0;
  std::vector<std::pair<const XmlElement*, size_t>> stack = {{&root, 1}};
  while (!stack.empty()) {
    const auto [element, depth] = stack.back();
    stack.pop_back();
    deepest = depth > deepest ? depth : deepest;
    for (const XmlElement& child : element->children) stack.emplace_back(&child, depth + 1);
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  if (data[0] % 2 == 0) {
    XmlElement root;
    const qz::Status status = qz::screening::internal::parse_xml(text, "f.xml", &root);
    if (!status.is_ok()) {
      QZ_ASSERT(status.message().rfind("f.xml:", 0) == 0);
      QZ_ASSERT(root.name.empty() && root.children.empty() && root.attributes.empty());
      return 0;
    }
    QZ_ASSERT(!root.name.empty());
    QZ_ASSERT(depth_of(root) <= qz::screening::internal::kMaxXmlDepth);
    const std::string written = qz::screening::internal::write_xml(root);
    XmlElement again;
    QZ_ASSERT(qz::screening::internal::parse_xml(written, "f.xml", &again).is_ok());
    QZ_ASSERT(qz::screening::internal::write_xml(again) == written);
    return 0;
  }

  qz::screening::SanctionsList list;
  list.id = "fuzz";
  const qz::Status status = qz::screening::parse_un_xml(text, "f.xml", &list);
  QZ_ASSERT(list.id == "fuzz");
  if (!status.is_ok()) {
    QZ_ASSERT(status.message().rfind("f.xml:", 0) == 0 || status.message().rfind("screening: ", 0) == 0);
    QZ_ASSERT(list.entries.empty());
    return 0;
  }
  std::set<std::string> uids;
  for (const qz::screening::ListEntry& entry : list.entries) {
    QZ_ASSERT(!entry.uid.empty());
    QZ_ASSERT(uids.insert(entry.uid).second);
    QZ_ASSERT(!entry.names.empty());
    QZ_ASSERT(entry.names[0].kind == qz::screening::NameKind::primary);
    for (const qz::screening::EntryName& name : entry.names) QZ_ASSERT(!name.text.empty());
  }
  return 0;
}
