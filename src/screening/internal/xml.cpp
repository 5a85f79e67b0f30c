#include "screening/internal/xml.h"

#include <cstdint>

#include "screening/internal/csv.h"

namespace qz::screening::internal {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == ':' ||
         u == '-' || u == '.' || u >= 0x80;
}

bool is_name_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':' || u >= 0x80;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& file_name) : text_(text), file_name_(file_name) {}

  Status parse(XmlElement* root) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    bool have_root = false;
    while (true) {
      skip_space();
      if (pos_ >= text_.size()) break;
      if (text_[pos_] != '<') return error("text outside the root element");
      if (starts("<?")) {
        QZ_TRY(skip_until("?>", "unterminated processing instruction"));
      } else if (starts("<!--")) {
        QZ_TRY(skip_until("-->", "unterminated comment"));
      } else if (starts("<!DOCTYPE")) {
        if (have_root) return error("DOCTYPE after the root element");
        QZ_TRY(skip_doctype());
      } else if (starts("<!")) {
        return error("unexpected markup outside the root element");
      } else {
        if (have_root) return error("a second root element");
        QZ_TRY(parse_element(root));
        have_root = true;
      }
    }
    if (!have_root) return error("no root element");
    return Status::ok();
  }

 private:
  Status error(const std::string& what) const { return Status::error(at_line(file_name_, line_, what)); }

  bool starts(std::string_view prefix) const { return text_.substr(pos_, prefix.size()) == prefix; }

  void advance(size_t count) {
    for (size_t i = 0; i < count && pos_ < text_.size(); i++) {
      if (text_[pos_] == '\n') line_++;
      pos_++;
    }
  }

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) advance(1);
  }

  Status skip_until(std::string_view end, const char* what) {
    const size_t found = text_.find(end, pos_);
    if (found == std::string_view::npos) return error(what);
    advance(found + end.size() - pos_);
    return Status::ok();
  }

  Status skip_doctype() {
    while (pos_ < text_.size() && text_[pos_] != '>' && text_[pos_] != '[') advance(1);
    if (pos_ >= text_.size()) return error("unterminated DOCTYPE");
    if (text_[pos_] == '[') return error("a DOCTYPE with an internal subset is not supported");
    advance(1);
    return Status::ok();
  }

  Status read_name(std::string* name) {
    if (pos_ >= text_.size() || !is_name_start(text_[pos_])) return error("expected a name");
    const size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) pos_++;
    name->assign(text_.substr(start, pos_ - start));
    return Status::ok();
  }

  // Decodes an entity or character reference at pos_ (which is at '&') into *out.
  Status read_reference(std::string* out) {
    const size_t semicolon = text_.find(';', pos_);
    if (semicolon == std::string_view::npos || semicolon - pos_ > 12) return error("'&' without a reference");
    const std::string_view body = text_.substr(pos_ + 1, semicolon - pos_ - 1);
    if (body == "lt") {
      out->push_back('<');
    } else if (body == "gt") {
      out->push_back('>');
    } else if (body == "amp") {
      out->push_back('&');
    } else if (body == "quot") {
      out->push_back('"');
    } else if (body == "apos") {
      out->push_back('\'');
    } else if (body.size() >= 2 && body[0] == '#') {
      const bool hex = body[1] == 'x';
      const std::string_view digits = body.substr(hex ? 2 : 1);
      if (digits.empty()) return error("empty character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        uint32_t digit = 0;
        if (c >= '0' && c <= '9') {
          digit = static_cast<uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
          digit = static_cast<uint32_t>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
          digit = static_cast<uint32_t>(c - 'A' + 10);
        } else {
          return error("bad character reference &" + std::string(body) + ";");
        }
        cp = cp * (hex ? 16 : 10) + digit;
        if (cp > 0x10FFFF) return error("character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return error("character reference out of range");
      append_utf8(cp, out);
    } else {
      return error("unknown entity &" + std::string(body) + ";");
    }
    advance(semicolon + 1 - pos_);
    return Status::ok();
  }

  // At '<' of a start tag: reads name and attributes. *self_closing when it ends with "/>".
  Status read_start_tag(XmlElement* element, bool* self_closing) {
    element->line = line_;
    advance(1);
    QZ_TRY(read_name(&element->name));
    for (;;) {
      const size_t before = pos_;
      skip_space();
      if (pos_ >= text_.size()) return error("unterminated start tag <" + element->name + ">");
      if (starts("/>")) {
        advance(2);
        *self_closing = true;
        return Status::ok();
      }
      if (text_[pos_] == '>') {
        advance(1);
        *self_closing = false;
        return Status::ok();
      }
      if (pos_ == before) return error("expected white space between attributes");
      std::pair<std::string, std::string> attribute;
      QZ_TRY(read_name(&attribute.first));
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '=') return error("expected '=' after attribute name");
      advance(1);
      skip_space();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
        return error("attribute value must be quoted");
      }
      const char quote = text_[pos_];
      advance(1);
      for (;;) {
        if (pos_ >= text_.size()) return error("unterminated attribute value");
        const char c = text_[pos_];
        if (c == quote) break;
        if (c == '<') return error("'<' in an attribute value");
        if (c == '&') {
          QZ_TRY(read_reference(&attribute.second));
          continue;
        }
        attribute.second.push_back(c);
        advance(1);
      }
      advance(1);
      for (const auto& existing : element->attributes) {
        if (existing.first == attribute.first) return error("repeated attribute " + attribute.first);
      }
      element->attributes.push_back(std::move(attribute));
    }
  }

  Status parse_element(XmlElement* root) {
    bool self_closing = false;
    QZ_TRY(read_start_tag(root, &self_closing));
    if (self_closing) return Status::ok();
    std::vector<XmlElement*> stack = {root};
    while (!stack.empty()) {
      XmlElement* current = stack.back();
      if (pos_ >= text_.size()) return error("unclosed element <" + current->name + ">");
      const char c = text_[pos_];
      if (c == '&') {
        QZ_TRY(read_reference(&current->text));
        continue;
      }
      if (c != '<') {
        const size_t stop = text_.find_first_of("<&", pos_);
        const size_t end = stop == std::string_view::npos ? text_.size() : stop;
        const std::string_view chunk = text_.substr(pos_, end - pos_);
        if (chunk.find("]]>") != std::string_view::npos) return error("']]>' in character data");
        current->text.append(chunk);
        advance(end - pos_);
        continue;
      }
      if (starts("</")) {
        advance(2);
        std::string name;
        QZ_TRY(read_name(&name));
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != '>') return error("malformed end tag </" + name + ">");
        if (name != current->name) {
          return error("end tag </" + name + "> does not match <" + current->name + "> of line " +
                       std::to_string(current->line));
        }
        advance(1);
        stack.pop_back();
        continue;
      }
      if (starts("<!--")) {
        QZ_TRY(skip_until("-->", "unterminated comment"));
        continue;
      }
      if (starts("<![CDATA[")) {
        advance(9);
        const size_t end = text_.find("]]>", pos_);
        if (end == std::string_view::npos) return error("unterminated CDATA section");
        current->text.append(text_.substr(pos_, end - pos_));
        advance(end + 3 - pos_);
        continue;
      }
      if (starts("<?")) {
        QZ_TRY(skip_until("?>", "unterminated processing instruction"));
        continue;
      }
      if (starts("<!")) return error("unexpected markup inside <" + current->name + ">");
      if (stack.size() >= kMaxXmlDepth) return error("elements nested too deeply");
      current->children.emplace_back();
      XmlElement* child = &current->children.back();
      QZ_TRY(read_start_tag(child, &self_closing));
      if (!self_closing) stack.push_back(child);
    }
    return Status::ok();
  }

  std::string_view text_;
  const std::string& file_name_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

void escape_into(std::string_view text, bool attribute, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '&': out->append("&amp;"); break;
      case '"':
        if (attribute) {
          out->append("&quot;");
        } else {
          out->push_back(c);
        }
        break;
      case '\r': out->append("&#13;"); break;
      default: out->push_back(c);
    }
  }
}

void write_into(const XmlElement& element, std::string* out) {
  // Iterative, like the parser: (element, next child index) pairs.
  std::vector<std::pair<const XmlElement*, size_t>> stack = {{&element, 0}};
  while (!stack.empty()) {
    auto& [current, next_child] = stack.back();
    if (next_child == 0) {
      out->push_back('<');
      out->append(current->name);
      for (const auto& [name, value] : current->attributes) {
        out->push_back(' ');
        out->append(name);
        out->append("=\"");
        escape_into(value, true, out);
        out->push_back('"');
      }
      out->push_back('>');
      escape_into(current->text, false, out);
    }
    if (next_child < current->children.size()) {
      const XmlElement* child = &current->children[next_child];
      next_child++;
      stack.emplace_back(child, 0);
      continue;
    }
    out->append("</");
    out->append(current->name);
    out->push_back('>');
    stack.pop_back();
  }
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const XmlElement& candidate : children) {
    if (candidate.name == child_name) return &candidate;
  }
  return nullptr;
}

std::string XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* found = child(child_name);
  return found == nullptr ? std::string() : trim(found->text);
}

const std::string* XmlElement::attribute(std::string_view attribute_name) const {
  for (const auto& pair : attributes) {
    if (pair.first == attribute_name) return &pair.second;
  }
  return nullptr;
}

Status parse_xml(std::string_view text, const std::string& file_name, XmlElement* root) {
  *root = XmlElement();
  Parser parser(text, file_name);
  Status status = parser.parse(root);
  if (!status.is_ok()) *root = XmlElement();
  return status;
}

std::string write_xml(const XmlElement& element) {
  std::string out;
  write_into(element, &out);
  return out;
}

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && is_space(text[begin])) begin++;
  while (end > begin && is_space(text[end - 1])) end--;
  return std::string(text.substr(begin, end - begin));
}

}  // namespace qz::screening::internal
