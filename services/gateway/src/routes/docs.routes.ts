import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';

/** The OpenAPI document and Swagger UI, served from the package's own assets (no CDN). */
export function docsRoutes(openApiDocument: object): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(openApiDocument, { customSiteTitle: 'sis API', swaggerOptions: { persistAuthorization: true } }));
  return router;
}
