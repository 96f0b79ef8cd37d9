import type { Notice } from '../notifications/notices';
import { settings } from '../settings';
import type { RevenueReportFigures } from './RevenueReport';

/** The email platform admins get when a month's revenue report is ready (template admin.revenue_report). */
export function revenueReportNotice({
  month,
  figures,
}: {
  month: string;
  figures: RevenueReportFigures[];
}): Notice {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return {
    kind: 'admin.revenue_report',
    data: {
      month: new Date(Date.UTC(year, number - 1, 1)),
      figures,
      reportUrl: `${settings().publicUrl}/admin/reports/${month}`,
    },
  };
}
