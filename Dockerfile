# Steward's server image: compiled JavaScript on Node 20 (tsx is for development only).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm ci runs `prepare` (the TypeScript build), so the sources come first.
COPY . .
# onnxruntime-node's optional download of GPU binaries is skipped; its CPU build ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
RUN npm ci --no-audit --no-fund && npm run build:web && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 STEWARD_DATA_DIR=/var/lib/steward
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/policies ./policies
RUN mkdir -p /var/lib/steward && chown 10001:10001 /var/lib/steward
USER 10001
EXPOSE 8080
ENTRYPOINT ["node", "bin/steward.js"]
CMD ["serve"]
