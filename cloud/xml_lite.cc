#include "cloud/xml_lite.h"

#include <cstdlib>

#include "core/text.h"

namespace quarry {

const XmlNode* XmlNode::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::string XmlNode::child_text(std::string_view n) const {
  const XmlNode* c = child(n);
  return c ? trim(c->text) : std::string();
}

const XmlNode* XmlNode::find(std::string_view n) const {
  for (const auto& c : children) {
    if (c.name == n) return &c;
    if (const XmlNode* d = c.find(n)) return d;
  }
  return nullptr;
}

namespace {

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s.substr(i);
      break;
    }
    auto ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      std::string num(ent.substr(1));
      bool hex = !num.empty() && (num[0] == 'x' || num[0] == 'X');
      append_utf8(out, std::strtoul(num.c_str() + (hex ? 1 : 0), nullptr, hex ? 16 : 10));
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

std::string local_name(std::string_view tag) {
  auto colon = tag.find(':');
  return std::string(colon == std::string_view::npos ? tag : tag.substr(colon + 1));
}

}  // namespace

Result<XmlNode> parse_xml(std::string_view text) {
  XmlNode root;  // a synthetic parent of the document element
  std::vector<XmlNode*> stack{&root};
  std::size_t i = 0;
  while (i < text.size()) {
    auto lt = text.find('<', i);
    if (lt == std::string_view::npos) break;
    if (stack.size() > 1) stack.back()->text += decode(text.substr(i, lt - i));
    if (text.compare(lt, 4, "<!--") == 0) {
      auto end = text.find("-->", lt);
      if (end == std::string_view::npos) return fail_remote("xml: unterminated comment");
      i = end + 3;
      continue;
    }
    auto gt = text.find('>', lt);
    if (gt == std::string_view::npos) return fail_remote("xml: unterminated tag");
    std::string_view tag = text.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      auto name = local_name(tag.substr(1));
      while (!name.empty() && (name.back() == ' ' || name.back() == '\n')) name.pop_back();
      if (stack.size() < 2 || stack.back()->name != name) return fail_remote("xml: unexpected </" + name + ">");
      stack.pop_back();
      continue;
    }
    bool self_closing = tag.back() == '/';
    if (self_closing) tag.remove_suffix(1);
    auto end_of_name = tag.find_first_of(" \t\r\n");
    XmlNode node;
    node.name = local_name(tag.substr(0, end_of_name));
    stack.back()->children.push_back(std::move(node));
    if (!self_closing) stack.push_back(&stack.back()->children.back());
  }
  if (stack.size() != 1) return fail_remote("xml: <" + stack.back()->name + "> is not closed");
  if (root.children.size() != 1) return fail_remote("xml: expected one document element");
  return std::move(root.children.front());
}

}  // namespace quarry
