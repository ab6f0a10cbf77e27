// renderiq.h compiles in a C++ translation unit, and the C++ wrapper can sit beside it.
#include "renderiq.h"
#include "renderiq.hpp"

#include <cstdio>

int main() {
    if (renderiq_abi_version() != RENDERIQ_ABI_VERSION) {
        std::fprintf(stderr, "ABI mismatch\n");
        return 1;
    }
    std::printf("renderiq %s, ABI %u\n", renderiq_version(), renderiq_abi_version());
    return std::string(renderiq_status_name(RENDERIQ_ERROR_DECODE)) == "decode" ? 0 : 1;
}
