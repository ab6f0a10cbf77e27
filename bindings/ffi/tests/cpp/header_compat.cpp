// renderiq.h compiles in a C++ translation unit, and the C++ wrapper can sit beside it.
#include "renderiq.h"
#include "renderiq.hpp"

#include <cstdio>

int main() {
    if (renderiq_abi_version() != RENDERIQ_ABI_VERSION) {
        std::fprintf(stderr, "ABI mismatch\n");
        return 1;
    }
    RenderiqImage image{};  // zero-initialised, as documented
    image.kind = RENDERIQ_IMAGE_FILE;
    std::printf("renderiq %s, ABI %u\n", renderiq_version(), renderiq_abi_version());
    return image.kind == 1 ? 0 : 1;
}
