#include <boost/test/unit_test.hpp>

#include "compiler/command_words.h"
#include "core/quote.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(command_words)

BOOST_AUTO_TEST_CASE(splits_words) {
  struct Case {
    const char* command;
    Argv argv;
  };
  const Case cases[] = {
      {"./server --port 8080", {"./server", "--port", "8080"}},
      {"  a \t b\nc  ", {"a", "b", "c"}},
      {"echo 'hello world'", {"echo", "hello world"}},
      {"echo \"a \\\"b\\\" \\\\ \\$x \\n\"", {"echo", "a \"b\" \\ $x \\n"}},
      {"echo it\\'s", {"echo", "it's"}},
      {"a'b'\"c\"d", {"abcd"}},
      {"echo '' \"\"", {"echo", "", ""}},
      {"sh -c 'echo $HOME && ls | wc -l'", {"sh", "-c", "echo $HOME && ls | wc -l"}},
      {"echo '$PORT'", {"echo", "$PORT"}},
      {"echo \\$PORT", {"echo", "$PORT"}},
      {"ls *.txt ~", {"ls", "*.txt", "~"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.command) {
      auto r = split_command(c.command);
      BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message));
      BOOST_TEST(*r == c.argv, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_what_a_shell_would_mean_differently) {
  struct Case {
    const char* command;
    const char* error;
  };
  const std::string syntax = "' is shell syntax, but the command is not run by a shell; quote it to pass it as is, "
                             "or use sh -c '...'";
  const Case cases[] = {
      {"echo 'hi", "unterminated single quote"},
      {"echo \"hi", "unterminated double quote"},
      {"echo \"hi\\\"", "unterminated double quote"},
      {"echo hi\\", "a trailing backslash escapes nothing"},
      {"", "the command is empty"},
      {"   ", "the command is empty"},
      {"./a && ./b", nullptr},
      {"./a | ./b", nullptr},
      {"./a; ./b", nullptr},
      {"./a > log", nullptr},
      {"echo `id`", nullptr},
      {"echo $(id)", "unquoted '$' is not expanded: the command is not run by a shell; quote it ('$X') to pass it "
                     "as is, or use sh -c '...'"},
      {"./server --port $PORT", "unquoted '$' is not expanded: the command is not run by a shell; quote it ('$X') "
                                "to pass it as is, or use sh -c '...'"},
  };
  const std::string tokens[] = {"&&", "|", ";", ">", "`"};
  int operator_case = 0;
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.command) {
      auto r = split_command(c.command);
      BOOST_TEST_REQUIRE(!r.has_value());
      std::string expected = c.error ? c.error : "unquoted '" + tokens[operator_case++] + syntax;
      BOOST_TEST(r.error().message == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(shell_join_splits_back) {
  const Argv samples[] = {
      {"./server", "--port", "8080"},
      {"sh", "-c", "echo \"$HOME\" && it's | fine"},
      {"", "a b", "\\", "'", "\"", "$x", "`y`"},
  };
  for (const auto& argv : samples) {
    auto r = split_command(shell_join(argv));
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(*r == argv, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_SUITE_END()
