-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "allowed_redirect_origins" TEXT[] DEFAULT ARRAY[]::TEXT[];

