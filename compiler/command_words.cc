#include "compiler/command_words.h"

#include <string>

namespace quarry {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters a shell would treat as syntax when unquoted.
bool is_shell_syntax(char c) {
  switch (c) {
    case '|': case '&': case ';': case '<': case '>': case '(': case ')': case '`': case '$':
      return true;
    default:
      return false;
  }
}

std::unexpected<Error> shell_syntax_error(std::string_view command, std::size_t i) {
  char c = command[i];
  std::string token(1, c);
  if (i + 1 < command.size() && (c == '|' || c == '&' || c == '>' || c == '<') && command[i + 1] == c) {
    token += c;
  }
  if (c == '$') {
    return fail("unquoted '$' is not expanded: the command is not run by a shell; quote it ('$X') to pass it as is, "
                "or use sh -c '...'");
  }
  return fail("unquoted '" + token + "' is shell syntax, but the command is not run by a shell; quote it to pass "
              "it as is, or use sh -c '...'");
}

}  // namespace

Result<Argv> split_command(std::string_view command) {
  Argv argv;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  while (i < command.size()) {
    char c = command[i];
    if (is_space(c)) {
      if (in_word) argv.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      auto end = command.find('\'', i + 1);
      if (end == std::string_view::npos) return fail("unterminated single quote");
      word.append(command.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      while (true) {
        if (i >= command.size()) return fail("unterminated double quote");
        char d = command[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < command.size()) {
          char e = command[i + 1];
          if (e == '"' || e == '\\' || e == '$' || e == '`') {
            word += e;
            i += 2;
            continue;
          }
        }
        word += d;
        ++i;
      }
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) return fail("a trailing backslash escapes nothing");
      word += command[i + 1];
      in_word = true;
      i += 2;
    } else if (is_shell_syntax(c)) {
      return shell_syntax_error(command, i);
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) argv.push_back(std::move(word));
  if (argv.empty()) return fail("the command is empty");
  return argv;
}

}  // namespace quarry
