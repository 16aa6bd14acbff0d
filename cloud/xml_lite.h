// Just enough XML for the EC2 Query API's responses: elements, their text and
// children. Attributes, comments, processing instructions and CDATA-free
// markup declarations are skipped; the five predefined entities and numeric
// character references are decoded. Not a general XML parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

struct XmlNode {
  std::string name;                  // local name: any "prefix:" is dropped
  std::string text;                  // the element's own character data, decoded
  std::vector<XmlNode> children;

  // The first child named `name`, or nullptr.
  const XmlNode* child(std::string_view name) const;
  // The text of the first child named `name`, trimmed, or "".
  std::string child_text(std::string_view name) const;
  // The first descendant (depth first) named `name`, or nullptr.
  const XmlNode* find(std::string_view name) const;
};

// Parses one document. Fails (kind Remote: it is a server's answer) on
// mismatched or unterminated tags.
Result<XmlNode> parse_xml(std::string_view text);

}  // namespace quarry
