#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded here (see prisma.config.ts).
# `prisma generate` and `prisma validate` never run it; anything that does is refused, loudly.
echo "Prisma's native schema engine is not installed. Create migrations with" >&2
echo "'npm run db:migration:create -- <name>' and apply them with 'npm run db:migrate'." >&2
exit 1
