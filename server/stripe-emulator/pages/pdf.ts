import type Stripe from 'stripe';
import { formatAmount, formatDate } from '../billing/format';

/** PDF strings are Latin-1 with (, ) and \ escaped; anything else is replaced so the file stays valid. */
function pdfText(value: string): string {
  return value
    .replace(/€/g, 'EUR ')
    .replace(/×/g, 'x')
    .replace(/—/g, '-')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/([()\\])/g, '\\$1');
}

/**
 * A one-page invoice PDF written by hand (objects, a content stream and a cross-reference table),
 * enough for any PDF reader and for tests that check the download.
 */
export function invoicePdf(invoice: Stripe.Invoice): Buffer {
  const lines: Array<[number, string]> = [
    [18, `Invoice ${invoice.number ?? invoice.id}`],
    [11, `Status: ${invoice.status ?? ''}`],
    [11, `Date: ${formatDate(invoice.created)}`],
    [11, `Billed to: ${invoice.customer_email ?? invoice.customer_name ?? String(invoice.customer)}`],
    [11, ''],
    ...invoice.lines.data.map((line): [number, string] => [
      11,
      `${line.description ?? ''}   ${formatAmount(line.amount, line.currency)}`,
    ]),
    [11, ''],
    [12, `Total: ${formatAmount(invoice.total, invoice.currency)}`],
    [12, `Amount due: ${formatAmount(invoice.amount_due, invoice.currency)}`],
    [12, `Amount paid: ${formatAmount(invoice.amount_paid, invoice.currency)}`],
  ];
  let y = 780;
  const content = lines
    .map(([size, text]) => {
      const command = `BT /F1 ${size} Tf 50 ${y} Td (${pdfText(text)}) Tj ET`;
      y -= size + 8;
      return command;
    })
    .join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
