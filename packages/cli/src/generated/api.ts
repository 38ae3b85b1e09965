// Generated from the gateway's OpenAPI document by `pnpm generate:client`. Do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Up. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Health"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Postgres, Redis, storage and search are reachable */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready (503 with the failing checks otherwise). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Text exposition format. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Presign one upload
         * @description Creates the image record and a URL to PUT the file to, bound to its key, content type and exact size, valid for up to 15 minutes. Then call complete.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["CreateUploadRequest"];
                };
            };
            responses: {
                /** @description The pending image and where to upload it. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedUpload"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Presign up to 500 uploads as one batch
         * @description Items are checked one by one: an invalid item is reported in its place and the others still get URLs.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["BatchUploadRequest"];
                };
            };
            responses: {
                /** @description The batch and, per item, an upload or an error. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchUploadResponse"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm an upload and queue it for embedding
         * @description Checks that the object exists with the declared size, then queues the image. Safe to repeat: 202 when this call queued it, 200 with the current state otherwise.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Completed before: the image in its current state. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CompletedUpload"];
                    };
                };
                /** @description Queued by this call. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CompletedUpload"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Confirm every upload of a batch */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many were queued, and which uploads were missing or wrong. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchCompleteResponse"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List images, newest first */
        get: {
            parameters: {
                query?: {
                    status?: components["schemas"]["ImageStatus"];
                    batchId?: string;
                    limit?: number;
                    /** @description nextCursor from the previous page. */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of images and the cursor for the next. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImageList"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Upload a file through the gateway
         * @description For clients that cannot PUT to S3. The type is read from the file itself. Prefer presigned uploads for anything large or many.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "multipart/form-data": {
                        /**
                         * Format: binary
                         * @description The image file.
                         */
                        file: string;
                        /** @description A JSON object kept with the image. */
                        metadata?: string;
                    };
                };
            };
            responses: {
                /** @description Stored and queued. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CompletedUpload"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get one image
         * @description Status (and why it failed), EXIF, dimensions, hash, duplicate, model, and a short-lived download URL.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The image. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ImageDetail"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete an image
         * @description Removes the record, its vector, the stored file and any queued job.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeletedImage"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}/similar": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Images like this one */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The nearest images by their vectors, this one left out. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SearchResponse"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}/duplicates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Near-duplicates of this image
         * @description Images whose vectors are at least `threshold` similar to this one (cosine similarity), most similar first: resized, recompressed and lightly edited copies at the default 0.95, identical bytes at 1.
         */
        get: {
            parameters: {
                query?: {
                    threshold?: number | null;
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Its near-duplicates, this one left out; none is an empty list. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SearchResponse"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Search images with words */
        get: {
            parameters: {
                query: {
                    q: string;
                    limit?: number;
                    /** @description `semantic` (the default) matches what images show; `text` matches the words they carry (name, file name, metadata, camera make and model, description); `hybrid` fuses the two rankings (reciprocal rank fusion). `text` and `hybrid` take `q`. */
                    mode?: "semantic" | "text" | "hybrid";
                    /** @description Search with this model (an id from GET /v1/models) instead of the active one, to compare models on your own photos; it must have embedded every ready image. */
                    model?: number;
                    /** @description Leave out results less relevant than this (see `relevance` in the results): the same cut means the same for every query, where a raw score threshold does not. 0.5 keeps what a typical image of the library scores with odds under one in a thousand. Applies to the semantic ranking, as minScore does; no effect while the library has fewer than 20 images. */
                    minRelevance?: number | null;
                    /** @description The previous page's `nextCursor`, for the page after it. Send it with the same search (query, mode, filters); `limit` may change. Opaque and signed: a changed cursor is refused. */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The closest images, best first. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SearchResponse"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Search with words, a stored image, a photo, or a mix, with filters
         * @description JSON: words (`q`), a stored image (`imageId`) or a weighted mix (`query`). Multipart: a photo that is not stored (`image`), with the rest of the search as JSON in `search`: words or terms to mix the photo with, limit, filters, cursor.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["SearchRequest"];
                    "multipart/form-data": {
                        /**
                         * Format: binary
                         * @description The photo to search with: a JPEG, PNG, WebP, GIF, AVIF or TIFF within the upload limits. It is not stored.
                         */
                        image: string;
                        /** @description The rest of the search, as JSON: words or terms to combine with the photo, limit, filters, cursor… */
                        search?: {
                            /**
                             * @description Words to search for together with the photo.
                             * @example a dog asleep on a red sofa
                             */
                            q?: string;
                            /** @description Terms to combine with the photo, as in a JSON search; weights may all be negative, the photo being positive. */
                            query?: components["schemas"]["QueryTerm"][];
                            /**
                             * @description How much the photo counts against the other terms' weights.
                             * @default 1
                             */
                            imageWeight?: number;
                            /** @default 20 */
                            limit?: number;
                            filters?: components["schemas"]["SearchFilters"];
                            /** @description Search with this model (an id from GET /v1/models) instead of the active one, to compare models on your own photos; it must have embedded every ready image. */
                            model?: number;
                            /** @description Leave out results less similar than this (cosine similarity). Applies to the semantic ranking: no effect in text mode; in hybrid mode, images found by their words alone still come through. */
                            minScore?: number;
                            /** @description Leave out results less relevant than this (see `relevance` in the results): the same cut means the same for every query, where a raw score threshold does not. 0.5 keeps what a typical image of the library scores with odds under one in a thousand. Applies to the semantic ranking, as minScore does; no effect while the library has fewer than 20 images. */
                            minRelevance?: number;
                            /** @description Fold near-duplicates of a better result into its `duplicates` list; the search looks three times as far, so the page usually still holds `limit` results. Off when left out. */
                            collapseDuplicates?: boolean;
                            /** @description With collapseDuplicates: the similarity at and above which results fold together; 0.95 when left out. */
                            duplicateThreshold?: number;
                            /** @description The previous page's `nextCursor`, for the page after it. Send it with the same search (query, mode, filters); `limit` may change. Opaque and signed: a changed cursor is refused. */
                            cursor?: string;
                        };
                    };
                };
            };
            responses: {
                /** @description The closest images, best first. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SearchResponse"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An image's embed job
         * @description The job id is the image id.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The job and its image status. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Job"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry a failed image */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queued again. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Job"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/discard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Discard a failed image
         * @description Deletes the image, its file and its job. Only failed images.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Discarded. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/retry-failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry every failed image (up to 1,000 per call) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many were queued again. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkActionResult"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/discard-failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Discard every failed image (up to 1,000 per call) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many were deleted. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkActionResult"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Everything the ops dashboard shows
         * @description Queue counts, images by status, throughput per minute, workers online, index size, recent batches and failures.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The dashboard data. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Dashboard"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent batches, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Batches with counts by status. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchList"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Queue depth by state, images by status */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Counts. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Queues"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Progress of a batch */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Counts by status. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Batch"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every key, newest first, without secrets. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKeyList"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create an API key
         * @description The key is in the response once; only its hash is stored.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["CreateApiKeyRequest"];
                };
            };
            responses: {
                /** @description The key and its secret. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedApiKey"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The revoked key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List embedding models
         * @description Every model sis has been asked to run, with its state and how many ready images it has embedded. Searches answer from the active one.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Live models first, oldest first. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelList"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Add an embedding model
         * @description Registers a model for the workers to load (its state is `building`) and to fill in: every ready image is embedded with it in the background, at a lower priority than new uploads, and new uploads are embedded with every live model meanwhile. With `activate` (the default) searches move to it in one step once it covers every ready image. A live model with the same source and dtype is returned as it is.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["CreateModelRequest"];
                };
            };
            responses: {
                /** @description Registered; workers load it within seconds. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Model"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a model the one searches answer from
         * @description In one transaction. Only a model that covers every ready image, unless `force`. The model active before stays up to date as `standby`, so switching back is instant.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["ActivateModelRequest"];
                };
            };
            responses: {
                /** @description Searches now answer from this model. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Model"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}/retire": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retire a model, dropping its vectors and index
         * @description Never the active model: activate another first. Workers and search services let it go within seconds.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Retired; its vectors are gone. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Model"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The API key lacks the scope this needs. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images (q runs a semantic search)
         * @description Open to anyone, as the original was, unless LEGACY_PUBLIC_READ=false.
         */
        get: {
            parameters: {
                query?: {
                    q?: string;
                    limit?: number;
                    offset?: number | null;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Images, newest first or best match first. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyImage"][];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Upload an image under a unique name
         * @description Waits for the image to be embedded (up to LEGACY_WAIT_MS), as the original answered only when done.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "multipart/form-data": {
                        /** @description Unique name of the image. */
                        image_name: string;
                        /** Format: binary */
                        file: string;
                    };
                };
            };
            responses: {
                /** @description Stored and embedded. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyImage"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description The resource is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Not an accepted image type, or a body in a content encoding or charset the API does not read. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description A required form field is missing. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description A dependency is unavailable. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an image by name
         * @description The name the list shows: the unique name it was created with here, or the file name of an image uploaded through /v1 (the newest, when several share it). Open to anyone unless LEGACY_PUBLIC_READ=false.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The image. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyImage"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete an image by name */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyDeleted"];
                    };
                };
                /** @description Invalid input; `details` lists the failing fields. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description No API key, or one that is not valid. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Not found. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
                /** @description Rate limit reached; see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LegacyError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Health: {
            /** @enum {string} */
            status: "ok";
            /** @enum {string} */
            service: "gateway" | "search" | "worker";
        };
        Error: {
            error: {
                /** @example validation_failed */
                code: string;
                /** @example size: must be at least 1 */
                message: string;
                details?: unknown;
                /** @example c3f1b2a4-… */
                requestId: string;
            };
        };
        Readiness: {
            /** @enum {string} */
            status: "ready" | "unavailable";
            checks: {
                [key: string]: {
                    ok: boolean;
                    error?: string;
                    ms: number;
                };
            };
        };
        CreatedUpload: {
            image: components["schemas"]["ImageDetail"];
            upload: components["schemas"]["PresignedUpload"];
        };
        ImageDetail: {
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            id: string;
            status: components["schemas"]["ImageStatus"];
            /** @description The name the client gave the file, if any. */
            filename: string | null;
            /** @example image/jpeg */
            contentType: string;
            /** @description Bytes, as declared at upload. */
            size: number;
            width: number | null;
            height: number | null;
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            batchId: string | null;
            /** @description Why processing failed, when status is failed. */
            error: string | null;
            /** @description Times the worker has started on it. */
            attempts: number;
            /**
             * Format: uri
             * @description Short-lived URL of a 256-pixel WebP preview, once the image is ready.
             */
            thumbnailUrl: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            readyAt: string | null;
            /** @description Unique name from the original service's routes. */
            name: string | null;
            /** @description EXIF tags read from the file, when it has any. */
            exif: {
                [key: string]: unknown;
            } | null;
            metadata: {
                [key: string]: unknown;
            };
            sha256: string | null;
            /**
             * Format: uuid
             * @description An earlier image with the same bytes, whose vector this one reuses.
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            duplicateOf: string | null;
            /** @description The CLIP model that produced the vector. */
            model: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            updatedAt: string;
            /**
             * Format: uri
             * @description Short-lived URL to download the original; null until uploaded.
             */
            url: string | null;
        };
        /** @enum {string} */
        ImageStatus: "pending_upload" | "queued" | "processing" | "ready" | "failed";
        PresignedUpload: {
            /** @enum {string} */
            method: "PUT";
            /** Format: uri */
            url: string;
            /** @description Send exactly these headers with the PUT; they are signed. */
            headers: {
                [key: string]: string;
            };
            /** Format: date-time */
            expiresAt: string;
        };
        CreateUploadRequest: {
            /**
             * @description A label only: it never becomes part of a storage path.
             * @example beach/sunset.jpg
             */
            filename: string;
            /**
             * @description One of image/jpeg, image/png, image/webp, image/gif, image/avif, image/tiff.
             * @example image/jpeg
             */
            contentType: string;
            /** @example 482113 */
            size: number;
            /** @description Free-form fields kept with the image (e.g. from a sidecar file). */
            metadata?: {
                [key: string]: unknown;
            };
            /** @description The file's SHA-256, if the client knows it. The worker checks it; batch presigning uses it to skip files already uploaded. */
            sha256?: string;
        };
        BatchUploadResponse: {
            batch: {
                /**
                 * Format: uuid
                 * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
                 */
                id: string;
            };
            items: ({
                index: number;
                /** @enum {boolean} */
                ok: true;
                image: components["schemas"]["ImageDetail"];
                /** @description An image with this sha256 was already there (ready, queued, or failed: see its status). No upload is needed unless one is given, for an upload never finished. */
                existing: boolean;
                upload: components["schemas"]["PresignedUpload"] | null;
            } | {
                index: number;
                /** @enum {boolean} */
                ok: false;
                error: {
                    code: string;
                    message: string;
                    details?: unknown;
                };
            })[];
        };
        BatchUploadRequest: {
            /** @description Shown on the dashboard, e.g. the folder being ingested. */
            label?: string;
            /** @description Up to 500 CreateUploadRequest objects. */
            items: unknown[];
        };
        CompletedUpload: {
            image: components["schemas"]["ImageDetail"];
        };
        BatchCompleteResponse: {
            batch: {
                /**
                 * Format: uuid
                 * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
                 */
                id: string;
            };
            /** @description Images moved to queued by this call. */
            queued: number;
            alreadyCompleted: number;
            /** @description Images whose upload was not found or did not match. */
            missing: {
                /**
                 * Format: uuid
                 * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
                 */
                id: string;
                error: {
                    code: string;
                    message: string;
                    details?: unknown;
                };
            }[];
        };
        ImageList: {
            items: components["schemas"]["ImageSummary"][];
            /** @description Pass as cursor for the next page; null on the last page. */
            nextCursor: string | null;
        };
        ImageSummary: {
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            id: string;
            status: components["schemas"]["ImageStatus"];
            /** @description The name the client gave the file, if any. */
            filename: string | null;
            /** @example image/jpeg */
            contentType: string;
            /** @description Bytes, as declared at upload. */
            size: number;
            width: number | null;
            height: number | null;
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            batchId: string | null;
            /** @description Why processing failed, when status is failed. */
            error: string | null;
            /** @description Times the worker has started on it. */
            attempts: number;
            /**
             * Format: uri
             * @description Short-lived URL of a 256-pixel WebP preview, once the image is ready.
             */
            thumbnailUrl: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            readyAt: string | null;
        };
        DeletedImage: {
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            id: string;
            /** @enum {boolean} */
            deleted: true;
        };
        SearchResponse: {
            results: components["schemas"]["SearchResult"][];
            /** @description The model whose vectors answered (its source), which encoded the query; null before any model is active. */
            model: string | null;
            /** @description Its id, as GET /v1/models lists it. */
            modelId: number | null;
            /** @description Send it as `cursor`, with the same search, for the next page; null on the last page. */
            nextCursor: string | null;
            tookMs: number;
        };
        SearchResult: {
            image: components["schemas"]["ImageSummary"];
            /** @description Higher is closer. Semantic: cosine similarity, 1 for the same direction. Text: PostgreSQL's ts_rank_cd. Hybrid: the reciprocal-rank-fusion score. */
            score: number;
            /** @description How far this result stands out of what the query scores on the library at large, from 0 to 1, comparable between queries: k/6 when a typical image scores this high with odds of one in 10^k. Null for results found by their words alone, and while the library has fewer than 20 images. */
            relevance: number | null;
            /** @description With collapseDuplicates: the near-duplicates of this result folded into it, each with its own score for the query. */
            duplicates?: {
                image: components["schemas"]["ImageSummary"];
                score: number;
                /** @description How far this result stands out of what the query scores on the library at large, from 0 to 1, comparable between queries: k/6 when a typical image scores this high with odds of one in 10^k. Null for results found by their words alone, and while the library has fewer than 20 images. */
                relevance: number | null;
            }[];
        };
        SearchRequest: {
            /** @example a dog asleep on a red sofa */
            q?: string;
            /**
             * Format: uuid
             * @description Find images like this one instead of matching text.
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            imageId?: string;
            /** @description A combined query: the weighted sum of each term's normalised embedding, normalised again. "beach" plus an image of yours at 0.5, minus "people" at 0.5: `[{"text": "beach"}, {"imageId": "…", "weight": 0.5}, {"text": "people", "weight": -0.5}]`. The images it names are left out of the results. */
            query?: components["schemas"]["QueryTerm"][];
            /**
             * @description `semantic` (the default) matches what images show; `text` matches the words they carry (name, file name, metadata, camera make and model, description); `hybrid` fuses the two rankings (reciprocal rank fusion). `text` and `hybrid` take `q`.
             * @enum {string}
             */
            mode?: "semantic" | "text" | "hybrid";
            /** @default 20 */
            limit: number;
            filters?: components["schemas"]["SearchFilters"];
            /** @description Search with this model (an id from GET /v1/models) instead of the active one, to compare models on your own photos; it must have embedded every ready image. */
            model?: number;
            /** @description Leave out results less similar than this (cosine similarity). Applies to the semantic ranking: no effect in text mode; in hybrid mode, images found by their words alone still come through. */
            minScore?: number;
            /** @description Leave out results less relevant than this (see `relevance` in the results): the same cut means the same for every query, where a raw score threshold does not. 0.5 keeps what a typical image of the library scores with odds under one in a thousand. Applies to the semantic ranking, as minScore does; no effect while the library has fewer than 20 images. */
            minRelevance?: number;
            /** @description Fold near-duplicates of a better result into its `duplicates` list; the search looks three times as far, so the page usually still holds `limit` results. Off when left out. */
            collapseDuplicates?: boolean;
            /** @description With collapseDuplicates: the similarity at and above which results fold together; 0.95 when left out. */
            duplicateThreshold?: number;
            /** @description The previous page's `nextCursor`, for the page after it. Send it with the same search (query, mode, filters); `limit` may change. Opaque and signed: a changed cursor is refused. */
            cursor?: string;
        };
        QueryTerm: {
            /** @example a dog asleep on a red sofa */
            text: string;
            /**
             * @description How much this term counts; negative moves results away from it.
             * @default 1
             */
            weight: number;
        } | {
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            imageId: string;
            /**
             * @description How much this term counts; negative moves results away from it.
             * @default 1
             */
            weight: number;
        };
        SearchFilters: {
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAfter?: string;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdBefore?: string;
            /** @enum {string} */
            contentType?: "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/avif" | "image/tiff";
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            batchId?: string;
            /**
             * @description EXIF fields that must match exactly, e.g. {"Make": "NIKON CORPORATION"}.
             * @example {
             *       "Make": "NIKON CORPORATION"
             *     }
             */
            exif?: {
                [key: string]: string | number | boolean;
            };
        };
        Job: {
            /**
             * Format: uuid
             * @description The job id is the image id.
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            id: string;
            /** @enum {string} */
            state: "waiting" | "active" | "delayed" | "failed" | "completed" | "prioritized" | "waiting-children" | "unknown";
            imageStatus: components["schemas"]["ImageStatus"];
            attemptsMade: number;
            failedReason: string | null;
            /** @description The request that queued it. */
            requestId: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAt: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            processedAt: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            finishedAt: string | null;
        };
        BulkActionResult: {
            /** @description How many images the action reached. */
            count: number;
        };
        Dashboard: {
            queues: {
                name: string;
                counts: {
                    waiting: number;
                    active: number;
                    delayed: number;
                    failed: number;
                    completed: number;
                    paused: number;
                    prioritized: number;
                };
            }[];
            /** @description Images by status, from the database. */
            images: {
                pending_upload: number;
                queued: number;
                processing: number;
                ready: number;
                failed: number;
            };
            /** @description Images made ready and failed per minute, oldest first. */
            throughput: {
                /**
                 * Format: date-time
                 * @example 2026-11-25T10:00:00.000Z
                 */
                minute: string;
                ready: number;
                failed: number;
            }[];
            workers: components["schemas"]["WorkerInfo"][];
            index: {
                vectors: number;
                sizeBytes: number;
            };
            batches: components["schemas"]["Batch"][];
            /** @description The most recently failed images, with their reasons. */
            failed: components["schemas"]["ImageSummary"][];
        };
        WorkerInfo: {
            id: string;
            host: string;
            pid: number;
            model: string;
            batch: number;
            concurrency: number;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            startedAt: string;
            jobs: {
                [key: string]: number;
            };
        };
        Batch: {
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            id: string;
            label: string | null;
            total: number;
            counts: components["schemas"]["ImageCounts"];
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            updatedAt: string;
        };
        ImageCounts: {
            pending_upload: number;
            queued: number;
            processing: number;
            ready: number;
            failed: number;
        };
        BatchList: {
            items: components["schemas"]["Batch"][];
        };
        Queues: {
            queues: {
                name: string;
                counts: {
                    waiting: number;
                    active: number;
                    delayed: number;
                    failed: number;
                    completed: number;
                    paused: number;
                    prioritized: number;
                };
            }[];
            /** @description Images by status, from the database. */
            images: {
                pending_upload: number;
                queued: number;
                processing: number;
                ready: number;
                failed: number;
            };
        };
        CreatedApiKey: {
            key: components["schemas"]["ApiKey"];
            /** @description The key itself. Shown once; only its hash is stored. */
            secret: string;
        };
        ApiKey: {
            /**
             * Format: uuid
             * @example 0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10
             */
            id: string;
            name: string;
            /**
             * @description The first characters of the key, to tell keys apart.
             * @example sis_3kq9Z
             */
            prefix: string;
            scopes: components["schemas"]["Scope"][];
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            lastUsedAt: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            revokedAt: string | null;
        };
        /** @enum {string} */
        Scope: "read" | "write" | "admin";
        CreateApiKeyRequest: {
            name: string;
            scopes: components["schemas"]["Scope"][];
        };
        ApiKeyList: {
            items: components["schemas"]["ApiKey"][];
        };
        ModelList: {
            items: components["schemas"]["Model"][];
        };
        Model: {
            /** @description Names its vector table, image_vectors_<id>. */
            id: number;
            /**
             * @description A Hugging Face id or a model folder, as CLIP_MODEL names it.
             * @example Xenova/clip-vit-base-patch32
             */
            source: string;
            /** @description The ONNX variant (CLIP_DTYPE); null for the model's own default. */
            dtype: string | null;
            /** @description Length of its vectors; null until a worker has loaded it. */
            dimension: number | null;
            state: components["schemas"]["ModelState"];
            /** @description Whether searches answer from this model. */
            active: boolean;
            coverage: components["schemas"]["ModelCoverage"];
            /** @description Whether searches move to it by themselves once it covers every ready image. */
            activateWhenComplete: boolean;
            /** @description Why a worker could not load it, if it could not. */
            error: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            activatedAt: string | null;
            /**
             * Format: date-time
             * @example 2026-11-25T10:00:00.000Z
             */
            retiredAt: string | null;
        };
        /** @enum {string} */
        ModelState: "building" | "active" | "standby" | "retired";
        ModelCoverage: {
            /** @description Ready images with a vector from this model. */
            embedded: number;
            /** @description Ready images. */
            ready: number;
            /** @description embedded / ready; 1 for an empty library. */
            ratio: number;
            /** @description Vectors it stored in the last minute: how fast it is filling in. */
            perMinute: number;
            /** @description Time left to cover every ready image at that rate; null when complete or not moving. */
            etaSeconds: number | null;
        };
        CreateModelRequest: {
            /**
             * @description A Hugging Face model id, or a model folder on the workers' and search services' disk.
             * @example Xenova/clip-vit-large-patch14
             */
            source: string;
            /**
             * @description The ONNX variant to run; the model's own default when left out.
             * @enum {string}
             */
            dtype?: "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";
            /**
             * @description Move searches to it by itself once it covers every ready image.
             * @default true
             */
            activate: boolean;
        };
        ActivateModelRequest: {
            /**
             * @description Switch even though the model has not embedded every ready image: those are missing from results until it has.
             * @default false
             */
            force: boolean;
        };
        LegacyImage: {
            id: string;
            name: string;
            /** @description A short-lived URL of the original file. */
            aws_image_src: string;
            /** @description Flat EXIF tags with the names the original used; {} when none. */
            exif_data: {
                [key: string]: unknown;
            };
            uploaded_at: string;
        };
        LegacyError: {
            detail: string | {
                loc: (string | number)[];
                msg: string;
                type: string;
            }[];
        };
        LegacyDeleted: {
            /** @enum {string} */
            Message: "Successfully deleted file.";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
