import type { Page } from 'playwright-core';

/**
 * Drops a JPEG on the page as a user dragging it from their desktop would: a dragenter on the
 * window, then a drop on `target` (a selector; the window when left out), bubbling up.
 */
export async function dropFile(page: Page, bytes: Buffer, name: string, target?: string): Promise<void> {
  await page.evaluate(`(() => {
    const file = new File([Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0))], ${JSON.stringify(name)}, { type: 'image/jpeg' });
    const data = new DataTransfer();
    data.items.add(file);
    window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true }));
    const on = ${target ? `document.querySelector(${JSON.stringify(target)})` : 'window'};
    on.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  })()`);
}
