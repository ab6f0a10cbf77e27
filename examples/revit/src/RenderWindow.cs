using System;
using System.Drawing;
using System.IO;
using System.Threading;
using System.Windows.Forms;
using Renderiq.Sdk;

namespace Renderiq.Revit
{
    /// <summary>
    /// The modeless render window: prompt and style, a progress bar fed by
    /// <see cref="IProgress{T}"/>, Cancel (a <see cref="CancellationToken"/>), and the result.
    /// It runs on Revit's UI thread but outside any Revit API context: it never calls the Revit
    /// API, it hands the result to <see cref="ResultHandler"/> through the external event.
    /// </summary>
    internal sealed class RenderWindow : Form
    {
        private readonly RenderiqClient _client;
        private readonly string _capture;
        private readonly string _documentTitle;
        private readonly string _viewName;
        private readonly TextBox _prompt = new TextBox { Dock = DockStyle.Top, Text = "photorealistic, warm evening light" };
        private readonly ComboBox _style = new ComboBox { Dock = DockStyle.Top, DropDownStyle = ComboBoxStyle.DropDownList };
        private readonly ProgressBar _bar = new ProgressBar { Dock = DockStyle.Top, Minimum = 0, Maximum = 100 };
        private readonly Label _status = new Label { Dock = DockStyle.Top, Height = 36, Text = "Ready." };
        private readonly PictureBox _picture = new PictureBox { Dock = DockStyle.Fill, SizeMode = PictureBoxSizeMode.Zoom };
        private readonly Button _render = new Button { Text = "Render", Dock = DockStyle.Right, Width = 100 };
        private readonly Button _cancel = new Button { Text = "Cancel", Dock = DockStyle.Right, Width = 100, Enabled = false };
        private CancellationTokenSource _cts;

        public RenderWindow(RenderiqClient client, string capture, string documentTitle, string viewName)
        {
            _client = client;
            _capture = capture;
            _documentTitle = documentTitle;
            _viewName = viewName;
            Text = "Renderiq - " + viewName;
            Size = new Size(720, 620);
            StartPosition = FormStartPosition.CenterParent;
            _style.Items.AddRange(new object[] { "photorealistic", "sketch", "watercolor", "clay", "night", "blueprint" });
            _style.SelectedIndex = 0;
            using (var preview = Image.FromFile(capture)) _picture.Image = new Bitmap(preview);

            var buttons = new Panel { Dock = DockStyle.Bottom, Height = 32 };
            buttons.Controls.Add(_render);
            buttons.Controls.Add(_cancel);
            Controls.Add(_picture);
            Controls.Add(_status);
            Controls.Add(_bar);
            Controls.Add(_style);
            Controls.Add(_prompt);
            Controls.Add(buttons);

            _render.Click += async (s, e) => await RenderAsync();
            _cancel.Click += (s, e) => { if (_cts != null) _cts.Cancel(); };
            FormClosing += (s, e) => { if (_cts != null) _cts.Cancel(); };
        }

        private async System.Threading.Tasks.Task RenderAsync()
        {
            _render.Enabled = false;
            _cancel.Enabled = true;
            _cts = new CancellationTokenSource();
            // Created on the UI thread, so reports arrive on the UI thread.
            var progress = new Progress<RenderProgress>(p =>
            {
                _bar.Value = Math.Max(0, Math.Min(100, p.Percent));
                _status.Text = p.Stage + " " + p.Percent + "%";
            });
            try
            {
                // The capture is read and uploaded on Renderiq's worker threads: the UI thread
                // only awaits. The task completes from the native library's completion callback.
                Render render = await _client.RenderAsync(RenderImage.FromFile(_capture),
                    new RenderOptions { Prompt = _prompt.Text, Style = (string)_style.SelectedItem, AspectRatio = "16:9" },
                    progress, _cts.Token);
                string output = Path.Combine(Path.GetDirectoryName(_capture), "render-" + render.Id + ".png");
                await _client.DownloadRenderToFileAsync(render, output);
                using (var result = Image.FromFile(output)) _picture.Image = new Bitmap(result);
                _status.Text = "Done (" + render.CreditsCost + " credits). Placing it in a drafting view...";

                // Back to Revit's thread, in an API context, through the external event.
                RenderiqApp.Results.Enqueue(new FinishedRender
                {
                    DocumentTitle = _documentTitle,
                    ViewName = _viewName,
                    RenderId = render.Id,
                    ImagePath = output,
                });
                RenderiqApp.ResultEvent.Raise();
            }
            catch (OperationCanceledException)
            {
                _status.Text = "Cancelled.";
            }
            catch (InsufficientCreditsException e)
            {
                _status.Text = "Not enough credits: this render needs " + e.RequiredCredits + ", you have " + e.AvailableCredits + ".";
            }
            catch (RateLimitException e)
            {
                _status.Text = "Too many renders: try again in " + (e.RetryAfter.HasValue ? (int)e.RetryAfter.Value.TotalSeconds + " s" : "a minute") + ".";
            }
            catch (AuthException)
            {
                _status.Text = "Your session expired: run AI Render again to sign in.";
                await _client.SignOutAsync();
            }
            catch (RenderiqException e)
            {
                _status.Text = e.Message + (e.RequestId != null ? " (request " + e.RequestId + ")" : "");
            }
            finally
            {
                _cancel.Enabled = false;
                _render.Enabled = true;
                _cts.Dispose();
                _cts = null;
            }
        }
    }

    /// <summary>Email and password; signs in without blocking the UI thread.</summary>
    internal sealed class SignInForm : Form
    {
        private readonly RenderiqClient _client;
        private readonly TextBox _email = new TextBox { Dock = DockStyle.Top };
        private readonly TextBox _password = new TextBox { Dock = DockStyle.Top, UseSystemPasswordChar = true };
        private readonly Label _error = new Label { Dock = DockStyle.Top, ForeColor = Color.Firebrick, Height = 40 };
        private readonly Button _ok = new Button { Text = "Sign in", Dock = DockStyle.Bottom };

        public SignInForm(RenderiqClient client)
        {
            _client = client;
            Text = "Sign in to Renderiq";
            Size = new Size(360, 200);
            FormBorderStyle = FormBorderStyle.FixedDialog;
            StartPosition = FormStartPosition.CenterParent;
            Controls.Add(_error);
            Controls.Add(_password);
            Controls.Add(new Label { Text = "Password", Dock = DockStyle.Top });
            Controls.Add(_email);
            Controls.Add(new Label { Text = "Email", Dock = DockStyle.Top });
            Controls.Add(_ok);
            AcceptButton = _ok;
            _ok.Click += async (s, e) =>
            {
                _ok.Enabled = false;
                try
                {
                    await _client.SignInAsync(_email.Text, _password.Text);
                    DialogResult = DialogResult.OK;
                }
                catch (AuthException)
                {
                    _error.Text = "Wrong email or password.";
                }
                catch (RenderiqException ex)
                {
                    _error.Text = ex.Message;
                }
                catch (ArgumentException)
                {
                    _error.Text = "Enter your email and password.";
                }
                finally
                {
                    _ok.Enabled = true;
                }
            };
        }
    }
}
