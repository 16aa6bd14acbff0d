// The composition root: the only place that builds real implementations.
#pragma once

namespace quarry::cli {
int main(int argc, char** argv);
}
