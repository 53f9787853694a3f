import helmet from 'helmet';

/**
 * The CSP allows scripts and styles only from our own origin: no inline script anywhere, so every page
 * script lives in public/js and data reaches it through data- attributes.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    // Intranet installs often run on plain HTTP; forcing HTTPS would break them.
    strictTransportSecurity: false,
  });
}
