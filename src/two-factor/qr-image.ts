import qrcode from 'qrcode-generator';

/**
 * The QR code as an SVG data: URL for an <img>: drawn on the server, so the page needs no script, and the CSP's
 * img-src already allows data: (src/middleware/security.ts). Error correction M, the size chosen to fit the text.
 */
export function qrDataUrl(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const svg = qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
}
