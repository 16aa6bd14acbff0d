#include "store/json_text.h"

#include <nlohmann/json.hpp>

namespace quarry {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Beyond ASCII, nlohmann's own writer: it checks the UTF-8 (and throws on
  // bytes that are not, as put_json does).
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      out += nlohmann::json(std::string(s)).dump();
      return;
    }
  }
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void JsonText::indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }

void JsonText::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  out_ += first_ ? "\n" : ",\n";
  first_ = false;
  indent();
}

void JsonText::open(char c) {
  before_value();
  out_.push_back(c);
  ++depth_;
  first_ = true;
}

void JsonText::close(char c) {
  --depth_;
  if (!first_) {
    out_.push_back('\n');
    indent();
  }
  out_.push_back(c);
  first_ = false;
}

void JsonText::begin_object() { open('{'); }
void JsonText::end_object() { close('}'); }
void JsonText::begin_array() { open('['); }
void JsonText::end_array() { close(']'); }

void JsonText::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_ += ": ";
  after_key_ = true;
}

void JsonText::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
}

void JsonText::value(std::int64_t n) {
  before_value();
  out_ += std::to_string(n);
}

void JsonText::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
}

void JsonText::value(double d) {
  before_value();
  out_ += nlohmann::json(d).dump();  // nlohmann's own shortest round-trip form
}

std::string JsonText::take(bool newline) {
  if (newline) out_.push_back('\n');
  depth_ = 0;
  first_ = true;
  after_key_ = false;
  return std::move(out_);
}

}  // namespace quarry
